"""Referrals counted per network, status and day sent (`referral_day_count`), kept in step.

The coordinator's and admin's figures used to count every referral of their networks on
every view (600,000 and 1,000,000 rows). One row per (network, status, day sent) turns each
figure into a sum over a few thousand rows; a window that starts mid-day ("sent in the last
30 days", "unanswered for over 5 days") adds the referrals of that one day, counted exactly
from the indexes on (network_id, sent_at) and (network_id, status, sent_at).

Kept in step in the transaction that changes the referrals: after each flush, every referral
inserted, deleted, or whose network, status or sent_at changed becomes a -1 and a +1, applied
as `UPDATE … SET n = n + :delta` (a day's first referral: INSERT … ON CONFLICT DO UPDATE),
so two transactions changing the same network's counts never lose an update. Each flush
applies its deltas in key order, one row at a time, so transactions lock the rows they share
in the same order instead of deadlocking. Writes that go around the ORM's unit of work (the
demo loader's COPY, an UPDATE written by hand) call `rebuild_day_counts()` afterwards.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, cast, delete, event, func, inspect, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Referral, ReferralDayCount, Status
from app.referrals.counts import StatusCounts

COUNTS = ReferralDayCount.__table__
Key = tuple[int, str, date]


class DayCountsOutOfStep(RuntimeError):
    """A referral left a count that has no row: something wrote referrals around the ORM."""


def sent_day(dialect: str):
    """SQL: the UTC day a referral was sent (SQLite keeps UTC text, PostgreSQL timestamptz)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", Referral.sent_at), Date)
    return func.date(Referral.sent_at, type_=Date)


def _key(network_id: int, status: Status | str, sent_at: datetime) -> Key:
    return network_id, Status(status).value, sent_at.astimezone(UTC).date()


def _before_and_after(referral: Referral) -> tuple[Key, Key]:
    state = inspect(referral)
    old, new = [], []
    for name in ("network_id", "status", "sent_at"):
        history = state.attrs[name].history
        now = history.added[0] if history.added else history.unchanged[0]
        old.append(history.deleted[0] if history.deleted else now)
        new.append(now)
    return _key(*old), _key(*new)


def _deltas(session: Session) -> Counter[Key]:
    deltas: Counter[Key] = Counter()
    for referral in session.new:
        if isinstance(referral, Referral):
            deltas[_key(referral.network_id, referral.status, referral.sent_at)] += 1
    for referral in session.dirty:
        if isinstance(referral, Referral):
            old, new = _before_and_after(referral)
            if old != new:
                deltas[old] -= 1
                deltas[new] += 1
    for referral in session.deleted:
        if isinstance(referral, Referral):
            deltas[_before_and_after(referral)[0]] -= 1
    return deltas


def _insert(connection: Connection):
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert


def apply_deltas(connection: Connection, deltas: Counter[Key]) -> None:
    """Add each delta to its row, in key order (the same lock order in every transaction)."""
    for (network_id, status, sent_on), delta in sorted(deltas.items()):
        if delta > 0:
            stmt = _insert(connection)(COUNTS).values(
                network_id=network_id, status=Status(status), sent_on=sent_on, n=delta
            )
            connection.execute(
                stmt.on_conflict_do_update(
                    index_elements=[COUNTS.c.network_id, COUNTS.c.status, COUNTS.c.sent_on],
                    set_={"n": COUNTS.c.n + stmt.excluded.n},
                )
            )
        elif delta < 0:
            changed = connection.execute(
                update(COUNTS)
                .where(
                    COUNTS.c.network_id == network_id,
                    COUNTS.c.status == Status(status),
                    COUNTS.c.sent_on == sent_on,
                )
                .values(n=COUNTS.c.n + delta)
            ).rowcount
            if changed != 1:
                raise DayCountsOutOfStep(
                    f"No count of network {network_id}, {status}, sent {sent_on}: the counts "
                    "are out of step with the referrals; run `flask referrals recount`."
                )


def _after_flush(session: Session, flush_context) -> None:
    deltas = _deltas(session)
    if any(deltas.values()):
        apply_deltas(session.connection(), deltas)


def keep_day_counts() -> None:
    """Keep the counts in step with every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def stop_keeping_day_counts() -> None:
    """For a migration test that writes referrals where the table does not exist yet."""
    if event.contains(Session, "after_flush", _after_flush):
        event.remove(Session, "after_flush", _after_flush)


def rebuild_day_counts() -> int:
    """Count again from `referral`, in the caller's transaction; returns the rows written.

    On PostgreSQL the referrals are locked against writers (SHARE) until the commit, so the
    recount misses no transaction that was under way.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("LOCK TABLE referral IN SHARE MODE"))
    connection.execute(delete(COUNTS))
    day = sent_day(dialect).label("sent_on")
    recount = select(Referral.network_id, Referral.status, day, func.count()).group_by(
        Referral.network_id, Referral.status, day
    )
    insert = _insert(connection)(COUNTS).from_select(
        ["network_id", "status", "sent_on", "n"], recount
    )
    connection.execute(insert)
    return connection.scalar(select(func.count()).select_from(COUNTS))


def recount_by_day() -> tuple[dict[Key, int], dict[Key, int]]:
    """The counts as kept and as counted again from `referral` (rows of 0 left out)."""
    kept = {
        (network_id, Status(status).value, sent_on): n
        for network_id, status, sent_on, n in db.session.execute(select(COUNTS))
        if n
    }
    day = sent_day(db.session.connection().dialect.name)
    recounted = {
        (network_id, Status(status).value, sent_on): n
        for network_id, status, sent_on, n in db.session.execute(
            select(Referral.network_id, Referral.status, day, func.count()).group_by(
                Referral.network_id, Referral.status, day
            )
        )
    }
    return kept, recounted


# Reading. `network_ids` None means every network (admins).


def _in(column, network_ids: list[int] | None):
    return true() if network_ids is None else column.in_(network_ids)


def status_counts_in(network_ids: list[int] | None) -> StatusCounts:
    """Referrals of these networks per status."""
    rows = db.session.execute(
        select(COUNTS.c.status, func.sum(COUNTS.c.n))
        .where(_in(COUNTS.c.network_id, network_ids))
        .group_by(COUNTS.c.status)
    )
    return StatusCounts({Status(s): int(n) for s, n in rows if n})


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def sent_since(network_ids: list[int] | None, moment: datetime) -> int:
    """Referrals sent at or after `moment`: whole days from the counts, the rest of
    `moment`'s own day from the referrals."""
    moment = moment.astimezone(UTC)
    first_whole_day = moment.date() + timedelta(days=1)
    whole_days = select(func.coalesce(func.sum(COUNTS.c.n), 0)).where(
        _in(COUNTS.c.network_id, network_ids), COUNTS.c.sent_on >= first_whole_day
    )
    rest_of_day = (
        select(func.count())
        .select_from(Referral)
        .where(
            _in(Referral.network_id, network_ids),
            Referral.sent_at >= moment,
            Referral.sent_at < _midnight(first_whole_day),
        )
    )
    return int(
        db.session.scalar(select(whole_days.scalar_subquery() + rest_of_day.scalar_subquery()))
    )


def in_status_sent_before(network_ids: list[int] | None, status: Status, moment: datetime) -> int:
    """Referrals in `status` sent before `moment`: whole days from the counts, the start of
    `moment`'s own day from the referrals."""
    moment = moment.astimezone(UTC)
    whole_days = select(func.coalesce(func.sum(COUNTS.c.n), 0)).where(
        _in(COUNTS.c.network_id, network_ids),
        COUNTS.c.status == status,
        COUNTS.c.sent_on < moment.date(),
    )
    start_of_day = (
        select(func.count())
        .select_from(Referral)
        .where(
            _in(Referral.network_id, network_ids),
            Referral.status == status,
            Referral.sent_at >= _midnight(moment.date()),
            Referral.sent_at < moment,
        )
    )
    return int(
        db.session.scalar(select(whole_days.scalar_subquery() + start_of_day.scalar_subquery()))
    )
