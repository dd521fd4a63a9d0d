"""The few SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import case, func, text

from app.extensions import db
from app.models import Referral


def dialect() -> str:
    return db.session.get_bind().dialect.name


def hours_between(start, end):
    """SQL: hours from `start` to `end` (NULL when either is NULL)."""
    if dialect() == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def sent_month():
    """SQL: the UTC month a referral was sent, as 'YYYY-MM'."""
    if dialect() == "postgresql":
        return func.to_char(func.timezone("UTC", Referral.sent_at), "YYYY-MM")
    return func.strftime("%Y-%m", Referral.sent_at)


def least(a, b):
    return case((a < b, a), else_=b)


def greatest(a, b):
    return case((a > b, a), else_=b)


# The stage each median measures: from which timestamp to which (DESIGN.md: medians of hours
# per stage). An answer is an acceptance or a decline (a forward is a decline).
def stage_bounds():
    return {
        "answer": (Referral.sent_at, func.coalesce(Referral.accepted_at, Referral.declined_at)),
        "visit": (Referral.accepted_at, Referral.visited_at),
        "close": (Referral.visited_at, Referral.closed_at),
    }


STAGE_NAMES = ("answer", "visit", "close")


def median_hours_columns(stages=STAGE_NAMES):
    """PostgreSQL: the median of each stage as an interval (percentile_cont orders the
    intervals themselves: cheaper than ordering a computed number of hours)."""
    bounds = stage_bounds()
    return [
        func.percentile_cont(0.5).within_group(bounds[name][1] - bounds[name][0]) for name in stages
    ]


def interval_hours(value) -> float | None:
    return None if value is None else value.total_seconds() / 3600.0


def tune_for_reports() -> None:
    """PostgreSQL, for the rest of this transaction: room for the pairs' hash table (about
    180,000 pairs at a million referrals spill to disk in the default 4 MB) and no JIT
    compilation (it costs more than it saves on these aggregates)."""
    if dialect() == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(text("SET LOCAL jit = off"))
