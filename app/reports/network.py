"""Network figures: totals, funnel, closed-loop rate, reciprocity, concentration, by month."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Referral, ReferralKind, Status
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


def network_figures(scope: Scope) -> NetworkFigures:
    figures = NetworkFigures()
    totals = db.session.execute(
        select(
            func.count(),
            func.count(Referral.accepted_at),
            func.count(Referral.visited_at),
            func.count(Referral.closed_at),
            func.count(Referral.declined_at),
            func.count(Referral.cancelled_at),
            func.count(Referral.expired_at),
            func.sum(Referral.business_value).filter(
                Referral.kind == ReferralKind.PROFESSIONAL, Referral.status == Status.CLOSED
            ),
            func.count(Referral.sender_id.distinct()),
            func.count(Referral.receiver_id.distinct()),
        ).where(scope.referrals())
    ).one()
    (
        figures.sent,
        figures.accepted,
        figures.visited,
        figures.closed,
        figures.declined,
        figures.cancelled,
        figures.expired,
        value,
        figures.givers,
        figures.receivers,
    ) = totals
    if scope.kind != ReferralKind.CLINICAL:
        figures.value = Decimal(value) if value is not None else None
    figures.reciprocal = reciprocal_referrals(scope)
    received = received_by_active_member(scope)
    figures.active_members = len(received)
    figures.gini_received = gini(received.values())
    figures.months = monthly(scope)
    return figures


def received_by_active_member(scope: Scope) -> dict[int, int]:
    """Every active member of the network, with the referrals it received (0 included)."""
    active = db.session.scalars(
        select(Member.id).where(Member.network_id == scope.network_id, Member.active.is_(True))
    )
    received = dict.fromkeys(active, 0)
    query = (
        select(Referral.receiver_id, func.count())
        .where(scope.referrals())
        .group_by(Referral.receiver_id)
    )
    for member_id, n in db.session.execute(query):
        if member_id in received:
            received[member_id] = n
    return received


def monthly(scope: Scope) -> list[MonthFigures]:
    """Sent and closed per UTC month of sending, months without referrals included."""
    month = sent_month().label("month")
    query = (
        select(month, func.count(), func.count(Referral.closed_at))
        .where(scope.referrals())
        .group_by(month)
    )
    found = {m: (sent, closed) for m, sent, closed in db.session.execute(query)}
    return [MonthFigures(m, *found.get(m, (0, 0))) for m in months_of(scope) or sorted(found)]


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
