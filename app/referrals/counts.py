"""Counting referrals: per status and given/received. SQL aggregates, never loops over rows.

The one place the dashboards and the lists' tabs count referrals per status; given and
received live in the reports (app/reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, func, select

from app.extensions import db
from app.models import Referral, Status


@dataclass
class StatusCounts:
    by_status: dict[Status, int] = field(default_factory=dict)
    # Of the declined ones, how many were forwarded (counted where a list shows them apart).
    forwarded: int = 0

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
    """Referrals matching `condition`, counted per status."""
    rows = db.session.execute(
        select(Referral.status, func.count()).where(condition).group_by(Referral.status)
    )
    return StatusCounts({Status(s): n for s, n in rows})


def status_counts_of(query: Select) -> StatusCounts:
    """The referrals a SELECT of Referral finds, counted per status."""
    inner = query.subquery()
    rows = db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))
    return StatusCounts({Status(s): n for s, n in rows})
