"""The network report's member table: one row per member, from GROUP BY on the referrals.

given/received count the referrals of the scope a member sent and received. The funnel and
the medians describe how the member handled the referrals it *received* (accepted/received,
visited/accepted, closed/visited, closed/received; hours to answer, visit and close); the
closed-business value is credited to the *giver* (professional referrals only).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Member, Referral, ReferralKind, Specialty, Status
from app.reports.rates import median, share
from app.reports.scope import Scope
from app.reports.sql import (
    STAGE_NAMES,
    dialect,
    hours_between,
    interval_hours,
    median_hours_columns,
    stage_bounds,
)


@dataclass
class MemberFigures:
    member_id: int
    member_name: str
    active: bool = True
    given: int = 0
    received: int = 0
    accepted: int = 0  # of the received ones, how many reached acceptance
    visited: int = 0
    closed: int = 0
    median_hours_to_answer: float | None = None
    median_hours_to_visit: float | None = None
    median_hours_to_close: float | None = None
    # Sum of the business value of the professional referrals it gave that closed with one.
    value_given: Decimal | None = None
    # Of the received ones, how many ended declined, cancelled, expired (network totals).
    declined: int = 0
    cancelled: int = 0
    expired: int = 0

    @property
    def balance(self) -> int:
        return self.given - self.received

    @property
    def give_share(self) -> float | None:
        return share(self.given, self.given + self.received)

    @property
    def accepted_rate(self) -> float | None:
        return share(self.accepted, self.received)

    @property
    def visited_rate(self) -> float | None:
        return share(self.visited, self.accepted)

    @property
    def closed_rate(self) -> float | None:
        return share(self.closed, self.visited)

    @property
    def closed_loop_rate(self) -> float | None:
        return share(self.closed, self.received)

    def contract_row(self) -> dict:
        """The operator contract's columns (DESIGN.md): the CLI's rows, the first of as_row."""
        given, received = self.given, self.received
        return {
            "member_id": self.member_id,
            "member_name": self.member_name,
            "given": given,
            "received": received,
            "balance": given - received,
            "give_share": share(given, given + received),
        }

    def as_row(self) -> dict:
        """The figures as a flat row (CSV/JSON): the operator contract's columns first."""
        row = self.contract_row()
        # Every value is a number, text or None: a shallow copy (asdict copies deeply).
        rest = {name: getattr(self, name) for name in _FIELD_NAMES}
        for name in ("accepted_rate", "visited_rate", "closed_rate", "closed_loop_rate"):
            rest[name] = getattr(self, name)
        return {**row, **{k: v for k, v in rest.items() if k not in row}}


_FIELD_NAMES = tuple(
    f.name for f in fields(MemberFigures) if f.name not in ("declined", "cancelled", "expired")
)


def _members(scope: Scope) -> dict[int, MemberFigures]:
    query = select(Member.id, Member.name, Member.active)
    if scope.network_id is not None:
        query = query.where(Member.network_id == scope.network_id)
    if scope.specialty:
        query = query.where(
            Member.id.in_(
                select(Specialty.member_id).where(Specialty.key == scope.specialty.lower())
            )
        )
    return {i: MemberFigures(i, name, active) for i, name, active in db.session.execute(query)}


def _value_allowed(scope: Scope) -> bool:
    return scope.kind != ReferralKind.CLINICAL


@dataclass
class Part:
    """Rows to fill from one grouped pass: the whole scope (`within` None), or a window of
    it (the referrals sent in [start, end), which the scope must hold whole), with the
    medians of `stages`."""

    rows: dict[int, MemberFigures]
    stages: tuple[str, ...] = STAGE_NAMES
    window: Scope | None = None

    def inside(self):
        """SQL: whether a referral of the scope is in this part's window."""
        return and_(Referral.sent_at >= self.window.start, Referral.sent_at < self.window.end)

    def only(self, aggregate):
        """The aggregate over this part's referrals (SQL FILTER for a window)."""
        return aggregate if self.window is None else aggregate.filter(self.inside())


def add_given(scope: Scope, rows: dict[int, MemberFigures], *, parts=None) -> None:
    parts = parts or [Part(rows)]
    value = func.sum(Referral.business_value).filter(
        Referral.kind == ReferralKind.PROFESSIONAL, Referral.status == Status.CLOSED
    )
    columns = [Referral.sender_id]
    for part in parts:
        columns += [part.only(func.count()), part.only(value)]
    query = select(*columns).where(scope.referrals()).group_by(Referral.sender_id)
    with_value = _value_allowed(scope)
    places = [(part.rows, 1 + 2 * i) for i, part in enumerate(parts)]
    for found in db.session.execute(query):
        member_id = found[0]
        for part_rows, at in places:
            row = part_rows.get(member_id)
            if row is not None:
                row.given = found[at]
                if with_value and found[at + 1] is not None:
                    row.value_given = Decimal(found[at + 1])


RECEIVED_COUNTS = 7  # received, accepted, visited, closed, declined, cancelled, expired


def add_received(scope: Scope, rows: dict[int, MemberFigures], *, stages=None, parts=None) -> None:
    """received, the funnel and the medians (of `stages`; default all three), in one pass
    for every part (`parts`: default the rows over the whole scope)."""
    parts = parts or [Part(rows, tuple(stages or STAGE_NAMES))]
    postgres = dialect() == "postgresql"
    columns = [Referral.receiver_id]
    for part in parts:
        columns += [
            part.only(func.count()),
            part.only(func.count(Referral.accepted_at)),
            part.only(func.count(Referral.visited_at)),
            part.only(func.count(Referral.closed_at)),
            part.only(func.count().filter(Referral.status == Status.DECLINED)),
            part.only(func.count().filter(Referral.status == Status.CANCELLED)),
            part.only(func.count().filter(Referral.status == Status.EXPIRED)),
        ]
        if postgres:
            columns += [part.only(m) for m in median_hours_columns(part.stages)]
    query = select(*columns).where(scope.referrals()).group_by(Referral.receiver_id)
    # Where each part's columns start in a row, and the medians it reads after its counts.
    places, at = [], 1
    for part in parts:
        medians = [f"median_hours_to_{name}" for name in part.stages] if postgres else []
        places.append((part.rows, at, medians))
        at += RECEIVED_COUNTS + len(medians)
    for found in db.session.execute(query):
        member_id = found[0]
        for part_rows, at, medians in places:
            row = part_rows.get(member_id)
            if row is None:
                continue
            (
                row.received,
                row.accepted,
                row.visited,
                row.closed,
                row.declined,
                row.cancelled,
                row.expired,
            ) = found[at : at + RECEIVED_COUNTS]
            for offset, name in enumerate(medians, at + RECEIVED_COUNTS):
                setattr(row, name, interval_hours(found[offset]))
    if not postgres:
        _medians_in_python(scope, parts)


def _medians_in_python(scope: Scope, parts: list[Part]) -> None:
    """SQLite has no percentile_cont: the hours of every stage any part wants come back in
    one pass over the scope's referrals (with whether each lies in each part's window) and
    are middled here."""
    names = [n for n in STAGE_NAMES if any(n in part.stages for part in parts)]
    bounds = stage_bounds()
    columns = [Referral.receiver_id] + [hours_between(*bounds[n]) for n in names]
    for part in parts:
        if part.window is not None:
            columns.append(part.inside())
    found = [defaultdict(lambda: defaultdict(list)) for _ in parts]
    query = select(*columns).where(scope.referrals())
    for member_id, *values in db.session.execute(query):
        hours, inside = values[: len(names)], iter(values[len(names) :])
        for part, lists in zip(parts, found, strict=True):
            if (part.window is None or next(inside)) and member_id in part.rows:
                for name, value in zip(names, hours, strict=True):
                    if value is not None and name in part.stages:
                        lists[member_id][name].append(value)
    for part, lists in zip(parts, found, strict=True):
        for member_id, by_stage in lists.items():
            for name, values in by_stage.items():
                setattr(part.rows[member_id], f"median_hours_to_{name}", median(values))


def _ordered(rows: dict[int, MemberFigures]) -> list[MemberFigures]:
    return sorted(rows.values(), key=lambda r: (r.member_name.lower(), r.member_id))


def member_figures(scope: Scope, stages=None) -> list[MemberFigures]:
    """Every member of the scope's network (of its specialty), with its figures, by name.
    `stages`: the medians wanted (answer, visit, close; default all)."""
    rows = _members(scope)
    add_given(scope, rows)
    add_received(scope, rows, stages=stages)
    return _ordered(rows)


def holds(scope: Scope, window: Scope) -> bool:
    """Whether the scope's referrals include every referral of the window (same network,
    every kind in both, the window's period inside the scope's)."""
    return (
        scope.network_id == window.network_id
        and scope.kind is None
        and window.kind is None
        and scope.start <= window.start
        and window.end <= scope.end
    )


def member_figures_and_window(
    scope: Scope, window: Scope, window_stages
) -> tuple[list[MemberFigures], list[MemberFigures]]:
    """member_figures(scope) and member_figures(window, window_stages), from the same two
    grouped passes over the scope's referrals when the scope holds the window (the window's
    figures are aggregates FILTERed to its period), else from passes of their own."""
    if not holds(scope, window):
        return member_figures(scope), member_figures(window, window_stages)
    rows = _members(scope)
    if scope.specialty is None:  # the same members, without asking again
        window_rows = {i: MemberFigures(i, r.member_name, r.active) for i, r in rows.items()}
    else:
        window_rows = _members(window)
    parts = [Part(rows), Part(window_rows, tuple(window_stages), window)]
    add_given(scope, rows, parts=parts)
    add_received(scope, rows, parts=parts)
    return _ordered(rows), _ordered(window_rows)


def reciprocity(scope: Scope) -> list[MemberFigures]:
    """Given and received alone (no funnel, no medians): the operator's CLI report, which
    may cover every network. Ordered by network, then name."""
    rows = _members(scope)
    # Counts alone: the indexes on (sender_id, status, sent_at) and (receiver_id, status,
    # sent_at) answer them without reading the referrals' rows.
    for column, name in ((Referral.sender_id, "given"), (Referral.receiver_id, "received")):
        query = select(column, func.count()).where(scope.referrals()).group_by(column)
        for member_id, n in db.session.execute(query):
            if member_id in rows:
                setattr(rows[member_id], name, n)
    return sorted(rows.values(), key=lambda r: (r.member_name.lower(), r.member_id))
