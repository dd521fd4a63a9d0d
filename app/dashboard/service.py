"""Numbers for the dashboards: SQL aggregates, never loops over referrals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, true

from app.extensions import db
from app.models import Member, Referral, Status, User, utcnow


@dataclass
class StatusCounts:
    by_status: dict[Status, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        return sum(n for s, n in self.by_status.items() if s.is_open)

    def rows(self) -> list[tuple[Status, int]]:
        """Every status in workflow order, zeros included, for tables and bar charts."""
        return [(s, self.by_status.get(s, 0)) for s in Status]

    @property
    def largest(self) -> int:
        return max(self.by_status.values(), default=0)


def status_counts(condition: ColumnElement[bool]) -> StatusCounts:
    rows = db.session.execute(
        select(Referral.status, func.count()).where(condition).group_by(Referral.status)
    ).all()
    return StatusCounts({Status(s): n for s, n in rows})


def practitioner_overview(user: User) -> dict:
    ids = user.member_ids
    waiting = db.session.scalars(
        select(Referral)
        .where(Referral.receiver_id.in_(ids), Referral.status == Status.SENT)
        .order_by(Referral.sent_at.desc())
        .limit(10)
    ).all()
    return {
        "inbox": status_counts(Referral.receiver_id.in_(ids)),
        "outbox": status_counts(Referral.sender_id.in_(ids)),
        "waiting": waiting,
    }


def network_overview(network_ids: list[int] | None) -> dict:
    """The network at a glance; None means every network (admins)."""
    in_scope = Referral.network_id.in_(network_ids) if network_ids is not None else true()
    member_scope = Member.network_id.in_(network_ids) if network_ids is not None else true()
    members = db.session.execute(
        select(
            func.count(),
            func.count().filter(Member.active.is_(True)),
            func.count().filter(Member.active.is_(True), Member.accepting.is_(True)),
        ).where(member_scope)
    ).one()
    since = utcnow() - timedelta(days=30)
    recent = db.session.scalar(
        select(func.count()).select_from(Referral).where(in_scope, Referral.sent_at >= since)
    )
    stale = db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(
            in_scope,
            Referral.status == Status.SENT,
            Referral.sent_at < utcnow() - timedelta(days=5),
        )
    )
    return {
        "referrals": status_counts(in_scope),
        "members_total": members[0],
        "members_active": members[1],
        "members_accepting": members[2],
        "sent_last_30_days": recent or 0,
        "unanswered_over_5_days": stale or 0,
    }
