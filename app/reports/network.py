"""Network figures: totals, funnel, closed-loop rate, reciprocity, concentration, by month."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Referral, ReferralDayCount, ReferralKind, Status
from app.reports.pairs import givers as pairs_givers
from app.reports.pairs import reciprocal_referrals
from app.reports.rates import gini, share
from app.reports.scope import Scope
from app.reports.sql import sent_month


@dataclass
class MonthFigures:
    month: str  # YYYY-MM (UTC)
    sent: int
    closed: int

    @property
    def closed_loop_rate(self) -> float | None:
        return share(self.closed, self.sent)

    def as_row(self) -> dict:
        return {
            "month": self.month,
            "sent": self.sent,
            "closed": self.closed,
            "closed_loop_rate": self.closed_loop_rate,
        }


NETWORK_COLUMNS = (
    "sent",
    "accepted",
    "visited",
    "closed",
    "declined",
    "cancelled",
    "expired",
    "reciprocal",
    "active_members",
    "givers",
    "receivers",
    "gini_received",
    "value",
    "accepted_rate",
    "visited_rate",
    "closed_rate",
    "closed_loop_rate",
    "reciprocity",
)


@dataclass
class NetworkFigures:
    sent: int = 0
    accepted: int = 0
    visited: int = 0
    closed: int = 0
    declined: int = 0
    cancelled: int = 0
    expired: int = 0
    # referrals answered by one in the other direction: Σ_pairs 2·min(g(a→b), g(b→a))
    reciprocal: int = 0
    active_members: int = 0
    givers: int = 0  # members who gave at least one
    receivers: int = 0
    gini_received: float | None = None
    value: Decimal | None = None  # closed-business value, professional referrals only
    months: list[MonthFigures] = field(default_factory=list)

    @property
    def accepted_rate(self) -> float | None:
        return share(self.accepted, self.sent)

    @property
    def visited_rate(self) -> float | None:
        return share(self.visited, self.accepted)

    @property
    def closed_rate(self) -> float | None:
        return share(self.closed, self.visited)

    @property
    def closed_loop_rate(self) -> float | None:
        return share(self.closed, self.sent)

    @property
    def reciprocity(self) -> float | None:
        return share(self.reciprocal, self.sent)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in NETWORK_COLUMNS}


TALLIES = ("sent", "accepted", "visited", "closed", "declined", "cancelled", "expired")


def _monthly_tallies(scope: Scope) -> dict[str, list]:
    """Per UTC month of sending: the tallies of TALLIES, then the closed-business value."""
    month = sent_month().label("month")
    value = func.sum(Referral.business_value).filter(
        Referral.kind == ReferralKind.PROFESSIONAL, Referral.status == Status.CLOSED
    )
    query = (
        select(
            month,
            func.count(),
            func.count(Referral.accepted_at),
            func.count(Referral.visited_at),
            func.count(Referral.closed_at),
            func.count(Referral.declined_at),
            func.count(Referral.cancelled_at),
            func.count(Referral.expired_at),
            value,
        )
        .where(scope.referrals())
        .group_by(month)
    )
    return {m: list(rest) for m, *rest in db.session.execute(query)}


def network_figures(scope: Scope, rows=None, reciprocal: int | None = None) -> NetworkFigures:
    """The network's figures over the scope.

    `rows`: the member table of the whole network over the same scope, when the caller has
    it (the report page): the totals are then its sums, and the months come from the day
    counts (app/referrals/day_counts.py) unless a kind is chosen, so the network's
    referrals are not grouped once more. `reciprocal`: likewise, from the pairs pass.
    """
    figures = NetworkFigures()
    if rows is None:
        tallies = _monthly_tallies(scope)
        for index, name in enumerate(TALLIES):
            setattr(figures, name, sum(t[index] for t in tallies.values()))
        values = [Decimal(t[-1]) for t in tallies.values() if t[-1] is not None]
        by_month = {m: (t[0], t[3]) for m, t in tallies.items()}
        received = received_by_member(scope)
        given = pairs_givers(scope)
    else:
        figures.sent = sum(r.received for r in rows)
        for name in TALLIES[1:]:
            setattr(figures, name, sum(getattr(r, name) for r in rows))
        values = [r.value_given for r in rows if r.value_given is not None]
        by_month = _sent_and_closed_by_month(scope)
        received = {r.member_id: r.received for r in rows}
        given = {r.member_id: r.given for r in rows}
    if scope.kind != ReferralKind.CLINICAL and values:
        figures.value = sum(values, Decimal(0))
    months = months_of(scope) or sorted(by_month)
    figures.months = [MonthFigures(m, *by_month.get(m, (0, 0))) for m in months]
    figures.reciprocal = reciprocal_referrals(scope) if reciprocal is None else reciprocal
    figures.givers = sum(1 for n in given.values() if n)
    figures.receivers = sum(1 for n in received.values() if n)
    # The member table holds every member of the network with whether it is active.
    active = active_members(scope) if rows is None else [r.member_id for r in rows if r.active]
    figures.active_members = len(active)
    figures.gini_received = gini(received.get(m, 0) for m in active)
    return figures


def _sent_and_closed_by_month(scope: Scope) -> dict[str, tuple[int, int]]:
    """Sent and closed per UTC month: from the day counts (whole UTC days, every kind), else
    from the referrals."""
    if scope.kind is not None:
        return {m: (t[0], t[3]) for m, t in _monthly_tallies(scope).items()}
    counts = ReferralDayCount.__table__
    rows = db.session.execute(
        select(counts.c.sent_on, counts.c.status, counts.c.n).where(
            counts.c.network_id == scope.network_id,
            counts.c.sent_on >= scope.first_day,
            counts.c.sent_on <= scope.last_day,
        )
    )
    found: dict[str, list[int]] = {}
    for sent_on, status, n in rows:
        month = found.setdefault(sent_on.strftime("%Y-%m"), [0, 0])
        month[0] += n
        if Status(status) == Status.CLOSED:
            month[1] += n
    # The day counts hold every referral; the scope counts none that no member sent (a
    # client of the receiver's own link): take those few off (the index on sender_id).
    month = sent_month()
    unsent = db.session.execute(
        select(month, Referral.status, func.count())
        .where(
            Referral.sender_id.is_(None),
            Referral.network_id == scope.network_id,
            Referral.sent_at >= scope.start,
            Referral.sent_at < scope.end,
        )
        .group_by(month, Referral.status)
    )
    for key, status, n in unsent:
        found[key][0] -= n
        if Status(status) == Status.CLOSED:
            found[key][1] -= n
    return {m: (sent, closed) for m, (sent, closed) in found.items()}


def active_members(scope: Scope) -> list[int]:
    return list(
        db.session.scalars(
            select(Member.id).where(Member.network_id == scope.network_id, Member.active.is_(True))
        )
    )


def received_by_member(scope: Scope) -> dict[int, int]:
    query = (
        select(Referral.receiver_id, func.count())
        .where(scope.referrals())
        .group_by(Referral.receiver_id)
    )
    return dict(db.session.execute(query).all())


def months_of(scope: Scope) -> list[str]:
    """The months the period touches, oldest first (at most 120: a longer period shows the
    months that have referrals)."""
    first, last = scope.first_day, scope.last_day
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > 120:
        return []
    months, year, month = [], first.year, first.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
