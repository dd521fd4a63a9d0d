"""The few SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import case, func

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
def answer_hours():
    return hours_between(
        Referral.sent_at, func.coalesce(Referral.accepted_at, Referral.declined_at)
    )


def visit_hours():
    return hours_between(Referral.accepted_at, Referral.visited_at)


def close_hours():
    return hours_between(Referral.visited_at, Referral.closed_at)


STAGES = {"answer": answer_hours, "visit": visit_hours, "close": close_hours}
