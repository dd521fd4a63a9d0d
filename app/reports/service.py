"""The reports' verbs: authorized, and shared by pages, API, CLI and downloads.

Network reports are for the network's coordinators and admins; a member's partners for the
member's own users too. Actor first; None is the operator at the shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.audit.service import record
from app.auth.policy import managed_network_ids, manages_network, sees_network
from app.extensions import db
from app.members.service import member_for
from app.models import Member, Network, Referral, Status, User, utcnow
from app.refusals import Forbidden, NotFound
from app.reports import health, members, network, pairs, partners, suggestions, thanks
from app.reports.health import Health
from app.reports.members import MemberFigures
from app.reports.network import NetworkFigures
from app.reports.pairs import Matrix, Pair
from app.reports.partners import BalanceMonth, Partner
from app.reports.reasons import AdviceCounts, ReasonCount, advice_counts, reason_counts
from app.reports.scope import Scope, days_scope
from app.reports.sql import tune_for_reports
from app.reports.suggestions import Suggestion

COORDINATES = (undefer(Member.latitude), undefer(Member.longitude))


def network_for_report(actor: User | None, network_id: int) -> Network:
    """The network, if the actor may read its reports (coordinators of it, admins)."""
    found = db.session.get(Network, network_id)
    if found is None or not sees_network(actor, network_id):
        raise NotFound("There is no such network, or you may not see it.")
    if not manages_network(actor, network_id):
        raise Forbidden("Only the network's coordinators and admins can read its reports.")
    tune_for_reports()
    return found


def member_table(actor: User | None, scope: Scope) -> list[MemberFigures]:
    network_for_report(actor, scope.network_id)
    return members.member_figures(scope)


def member_table_and_health(
    actor: User | None, scope: Scope, today: date
) -> tuple[list[MemberFigures], dict[int, Health]]:
    """member_table and member_health(…, today), in the same passes when they can be."""
    return _rows_and_health(network_for_report(actor, scope.network_id), scope, today)


def _rows_and_health(
    found: Network, scope: Scope, today: date | None
) -> tuple[list[MemberFigures], dict[int, Health] | None]:
    """The member table over the scope and, with `today`, each member's light over the
    rule's window ending then: from the same grouped passes when the scope holds the window
    (members.member_figures_and_window)."""
    if today is None:
        return members.member_figures(scope), None
    rule = health.rule_of(found)
    window = days_scope(found.id, *health.health_days(rule, today))
    rows, window_rows = members.member_figures_and_window(scope, window, HEALTH_STAGES)
    return rows, _lights(window_rows, rule)


def network_summary(actor: User | None, scope: Scope) -> NetworkFigures:
    network_for_report(actor, scope.network_id)
    return network.network_figures(scope)


def top_pairs(actor: User | None, scope: Scope, limit: int = 20) -> list[Pair]:
    network_for_report(actor, scope.network_id)
    return pairs.top_pairs(scope, limit)


def pair_matrix(actor: User | None, scope: Scope, size: int = 12) -> Matrix:
    network_for_report(actor, scope.network_id)
    return pairs.matrix(scope, size)


def receive_never_give(rows: list[MemberFigures]) -> list[MemberFigures]:
    """Members who received in the period and gave nothing, most received first."""
    found = [r for r in rows if r.received and not r.given]
    return sorted(found, key=lambda r: (-r.received, r.member_name, r.member_id))


def lapsed_givers(actor: User | None, scope: Scope, rows: list[MemberFigures]) -> list[dict]:
    """Members who gave in the previous period of equal length and nothing in this one."""
    network_for_report(actor, scope.network_id)
    before = pairs.givers(scope.previous())
    found = [
        {
            "member_id": r.member_id,
            "member_name": r.member_name,
            "given_before": before[r.member_id],
        }
        for r in rows
        if not r.given and before.get(r.member_id)
    ]
    return sorted(found, key=lambda r: (-r["given_before"], r["member_name"], r["member_id"]))


@dataclass
class NetworkReport:
    network: Network
    scope: Scope
    members: list[MemberFigures]
    figures: NetworkFigures
    pairs: list[Pair]
    matrix: Matrix
    receive_never_give: list[MemberFigures]
    lapsed: list[dict]
    reasons: list[ReasonCount]
    advice: AdviceCounts
    recognition: Recognition | None = None
    # Each member's light over the rule's window ending `today` (network_report's argument).
    health: dict[int, Health] | None = None


def network_report(actor: User | None, scope: Scope, today: date | None = None) -> NetworkReport:
    """Everything the network report page shows; with `today`, the members' health too (as
    member_health gives it), counted in the same passes when the period holds the rule's
    window."""
    found = network_for_report(actor, scope.network_id)
    rows, lights = _rows_and_health(found, scope, today)
    top, reciprocal = pairs.pair_summary(scope)
    if scope.specialty is None:  # every member's row: no need to group the referrals again
        figures = network.network_figures(scope, rows, reciprocal)
        activity = {r.member_id: r.given + r.received for r in rows}
    else:
        figures = network.network_figures(scope, reciprocal=reciprocal)
        activity = None
    return NetworkReport(
        found,
        scope,
        rows,
        figures,
        top,
        pairs.matrix(scope, activity=activity),
        receive_never_give(rows),
        lapsed_givers(actor, scope, rows),
        reason_counts(scope),
        advice_counts(scope, utcnow()),
        recognition(found, scope, rows),
        lights,
    )


@dataclass
class Recognition:
    """Thanks in the period; the leaderboard only when the network shows it."""

    count: int
    recent: list[dict]
    leaderboard: list[thanks.Recognition] | None


def recognition(found: Network, scope: Scope, rows: list[MemberFigures]) -> Recognition:
    board = thanks.leaderboard(found, scope, rows) if found.show_leaderboard else None
    return Recognition(
        thanks.thanks_count(found.id, scope), thanks.recent_thanks(found.id, scope), board
    )


def member_for_partners(actor: User | None, member_id: int) -> Member:
    """The member, if the actor acts for it or manages its network."""
    member = member_for(actor, member_id)
    if actor is not None and not (
        member_id in actor.member_ids or manages_network(actor, member.network_id)
    ):
        raise Forbidden("Only the member's own users, its coordinators and admins see this.")
    return member


def may_see_partners(actor: User | None, member: Member) -> bool:
    return (
        actor is None or member.id in actor.member_ids or manages_network(actor, member.network_id)
    )


def member_partners(
    actor: User | None, member_id: int, start=None, end=None, kind=None
) -> list[Partner]:
    member_for_partners(actor, member_id)
    return partners.partners(member_id, start, end, kind)


def member_balance(
    actor: User | None, member_id: int, start=None, end=None, kind=None
) -> list[BalanceMonth]:
    member_for_partners(actor, member_id)
    return partners.balance_by_month(member_id, start, end, kind)


def member_totals(actor: User | None, member_id: int) -> tuple[int, int]:
    """(given, received) all time, for anyone who may see the member."""
    member_for(actor, member_id)
    return partners.totals(member_id)


def reciprocity_rows(actor: User | None, scope: Scope) -> list[dict]:
    """The operator contract's reciprocity table (DESIGN.md): member_id, member_name, given,
    received, balance, give_share, then network_id and network_name. Every network when the
    scope has none (operator and admins only)."""
    if scope.network_id is None:
        if managed_network_ids(actor) is not None:
            raise Forbidden("Only admins can report on every network.")
        networks = dict(db.session.execute(select(Member.id, Member.network_id)).all())
    else:
        network_for_report(actor, scope.network_id)
        networks = None
    names = dict(db.session.execute(select(Network.id, Network.name)).all())
    tune_for_reports()
    out = []
    for figures in members.reciprocity(scope):
        row = figures.contract_row()
        network_id = scope.network_id if networks is None else networks[figures.member_id]
        row["network_id"] = network_id
        row["network_name"] = names[network_id]
        out.append(row)
    out.sort(key=lambda r: (r["network_id"], r["member_name"].lower(), r["member_id"]))
    return out


RECIPROCITY_COLUMNS = (
    "member_id",
    "member_name",
    "given",
    "received",
    "balance",
    "give_share",
    "network_id",
    "network_name",
)


def member_health(actor: User | None, network_id: int, today: date) -> dict[int, Health]:
    """Each member's light over the network rule's window ending today."""
    found = network_for_report(actor, network_id)
    rule = health.rule_of(found)
    scope = days_scope(network_id, *health.health_days(rule, today))
    return _lights(members.member_figures(scope, stages=HEALTH_STAGES), rule)


HEALTH_STAGES = ("answer",)  # the rule times answers only


def _lights(rows: list[MemberFigures], rule: dict) -> dict[int, Health]:
    return {r.member_id: health.health_of(r, rule) for r in rows}


def set_health_rule(actor: User | None, network_id: int, rule: object) -> Network:
    """Store the network's traffic-light thresholds (validated; missing parts: defaults)."""
    found = network_for_report(actor, network_id)
    found.health_rule = health.validated_rule(rule)
    record("update", "network", network_id, user=actor, detail="health rule")
    db.session.flush()
    return found


def set_report_settings(
    actor: User | None, network_id: int, values: dict, show_leaderboard: bool
) -> Network:
    """The settings form: every health threshold (validated, each mistake named on its
    field) and whether the report shows the leaderboard. Audited; nothing is written when
    any part is refused."""
    found = network_for_report(actor, network_id)
    rule = health.rule_from_form(values)
    changed = [
        name
        for name, value in health.form_values(rule).items()
        if health.form_values(health.rule_of(found))[name] != value
    ]
    found.health_rule = rule
    if bool(show_leaderboard) != found.show_leaderboard:
        changed.append(f"show_leaderboard={'on' if show_leaderboard else 'off'}")
    found.show_leaderboard = bool(show_leaderboard)
    detail = "report settings: " + (", ".join(changed) or "unchanged")
    record("update", "network", network_id, user=actor, detail=detail[:250])
    db.session.flush()
    return found


@dataclass
class MemberReciprocity:
    partners: list[Partner]
    months: list[BalanceMonth]


def member_reciprocity(actor: User | None, member: Member) -> MemberReciprocity | None:
    """The member page's section (all time), or None for those who may not see it."""
    if not may_see_partners(actor, member):
        return None
    return MemberReciprocity(partners.partners(member.id), partners.balance_by_month(member.id))


SUGGESTIONS = 5
ALTERNATIVES = 3


def suggestions_sender(actor: User | None, sender_id: int) -> Member:
    """The sender whose suggestions the actor may read: its own users (and the operator);
    404 for a member the actor may not see, 403 for one it does not act for."""
    member_for(actor, sender_id)
    if actor is not None and sender_id not in actor.member_ids:
        raise Forbidden("Only the member's own users see whom it might send a client to.")
    return db.session.scalar(select(Member).options(*COORDINATES).where(Member.id == sender_id))


def send_suggestions(
    actor: User | None, sender_id: int, specialty: str, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Whom the sender might send a client of this specialty to, best score first."""
    sender = suggestions_sender(actor, sender_id)
    found = suggestions.candidates(sender, [specialty], set(), utcnow())
    return suggestions.ranked(found)[:limit]


def referral_alternatives(actor: User | None, referral: Referral) -> list[Suggestion]:
    """After a decline or an expiry, three accepting members of the declined receiver's
    specialty (the one the referral's service names, when it names one), nearest the sender
    first; for the sender's users only (empty for anyone else, and for other statuses)."""
    if referral.status not in (Status.DECLINED, Status.EXPIRED):
        return []
    if referral.sender_id is None:  # a client of the receiver's own link: no sender to help
        return []
    if actor is not None and referral.sender_id not in actor.member_ids:
        return []
    sender = db.session.scalar(
        select(Member).options(*COORDINATES).where(Member.id == referral.sender_id)
    )
    names = referral.receiver.specialties
    named = [n for n in names if n.lower() == (referral.service or "").strip().lower()]
    exclude = {referral.receiver_id}
    found = suggestions.candidates(sender, named or names, exclude, utcnow())
    return suggestions.nearest(found)[:ALTERNATIVES]
