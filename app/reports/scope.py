"""What a report covers: one network, referrals sent in [start, end), of a kind, and the
members shown (a specialty). Also the period presets the pages offer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_

from app.fields import add_months
from app.models import Referral, ReferralKind

KINDS = ("all", "clinical", "professional")
PRESETS = {
    "this_month": "This month",
    "last_quarter": "Last quarter",
    "last_12_months": "Last 12 months",
    "custom": "Custom",
}


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@dataclass(frozen=True)
class Scope:
    network_id: int | None  # None: every network (the operator's CLI report)
    start: datetime  # inclusive
    end: datetime  # exclusive
    kind: ReferralKind | None = None  # None: both kinds
    specialty: str | None = None  # lower-cased specialty key of the members shown

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The period's last whole day (the end is the midnight after it)."""
        return (self.end - timedelta(microseconds=1)).date()

    def referrals(self) -> ColumnElement[bool]:
        """SQL: the referrals this scope counts. Reciprocity is between members: a referral
        no member sent (a client of the receiver's own link) is neither given nor received."""
        condition = and_(
            Referral.sent_at >= self.start,
            Referral.sent_at < self.end,
            Referral.sender_id.is_not(None),
        )
        if self.network_id is not None:
            condition = and_(Referral.network_id == self.network_id, condition)
        if self.kind is not None:
            condition = and_(condition, Referral.kind == self.kind)
        return condition

    def previous(self) -> Scope:
        """The period of equal length just before this one (for lapsed givers)."""
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start)


def days_scope(network_id: int | None, first: date, last: date, **kw) -> Scope:
    """Referrals sent from the first day to the last, both whole (UTC days)."""
    return Scope(network_id, midnight(first), midnight(last + timedelta(days=1)), **kw)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """(first, last) day of a preset period, as of `today`."""
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_quarter":
        this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        first = add_months(this_quarter, -3)
        return first, this_quarter - timedelta(days=1)
    if preset == "last_12_months":
        return add_months(today, -12) + timedelta(days=1), today
    raise ValueError(preset)
