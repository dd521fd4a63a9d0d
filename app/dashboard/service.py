"""Numbers for the dashboards: SQL aggregates, never loops over referrals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, true

from app.auth.policy import managed_network_ids
from app.extensions import db
from app.followup.overdue import overdue_referrals, rules_for
from app.followup.overdue_recent import recent_overdue_counts
from app.models import Member, Network, Referral, Role, Status, User, utcnow
from app.referrals.counts import status_counts
from app.referrals.day_counts import sent_since, status_counts_in
from app.referrals.listing import ROWS_WITH_PARTIES


def practitioner_overview(user: User) -> dict:
    """What waits for a practitioner's members, and how their referrals stand."""
    ids = user.member_ids
    waiting = db.session.scalars(
        select(Referral)
        .where(Referral.receiver_id.in_(ids), Referral.status == Status.SENT)
        .order_by(Referral.sent_at.desc())
        .limit(10)
        .options(*ROWS_WITH_PARTIES)
    ).all()
    now = utcnow()
    rules = rules_for(user.network_ids)
    late = overdue_referrals(user.network_ids, now, receiver_ids=ids, limit=10, rules=rules)
    return {
        "late": [(o, rules[o.network_id].business_days_between(o.deadline, now)) for o in late],
        "now": now,
        "inbox": status_counts(Referral.receiver_id.in_(ids)),
        "outbox": status_counts(Referral.sender_id.in_(ids)),
        "waiting": waiting,
    }


def network_overview(user: User | None) -> dict:
    """The networks this user manages at a glance (every network for admins).

    The referral figures come from the day counts (app/referrals/day_counts.py), not from a
    count of every referral of the network on every view.
    """
    network_ids = managed_network_ids(user)
    member_scope = Member.network_id.in_(network_ids) if network_ids is not None else true()
    members = db.session.execute(
        select(
            func.count(),
            func.count().filter(Member.active.is_(True)),
            func.count().filter(Member.active.is_(True), Member.accepting.is_(True)),
        ).where(member_scope)
    ).one()
    now = utcnow()
    overdue, overdue_counted_at = recent_overdue_counts(network_ids, now)
    return {
        "referrals": status_counts_in(network_ids),
        "members_total": members[0],
        "members_active": members[1],
        "members_accepting": members[2],
        "sent_last_30_days": sent_since(network_ids, now - timedelta(days=30)),
        # Overdue by each network's own rules (app/followup/rules.py), per stage, counted at
        # most OVERDUE_COUNTS_MAX_AGE seconds ago.
        "overdue": overdue,
        "overdue_counted_at": overdue_counted_at,
        "networks": user.networks if user is not None and user.role == Role.COORDINATOR else None,
        "managed_networks": _managed_networks(network_ids),
    }


def _managed_networks(network_ids: list[int] | None) -> list[Network]:
    query = select(Network).order_by(Network.name)
    if network_ids is not None:
        query = query.where(Network.id.in_(network_ids))
    return list(db.session.scalars(query))


def overview(user: User) -> tuple[str, dict]:
    """The dashboard this user sees: its template name and figures."""
    if user.role == Role.PRACTITIONER:
        return "dashboard/practitioner.html", practitioner_overview(user)
    return "dashboard/network.html", network_overview(user)
