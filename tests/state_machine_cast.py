"""The world of one state-machine example: its network, members and users, who stands where.

Used by tests/test_state_machine.py. One network per example: practitioners a, b, c of
members A, B, C; D has left, E is not accepting; a coordinator; an admin; an outsider
(member O) and the outsider network's coordinator; the system (actor None).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.event import listen, remove

from app.models import NetworkKind, ReferralKind, Role, User
from app.referrals.states import Party
from tests.factories import Factory

MEMBERS = ("A", "B", "C")  # practitioners a, b, c act for them
ACTORS = ("a", "b", "c", "coordinator", "admin", "outsider", "outsider_coordinator", "system")
ACTS_FOR = {"a": "A", "b": "B", "c": "C", "outsider": "O"}
TIMEZONES = ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Europe/Paris")
# Start clocks near month ends, a leap day and DST changes; the clock only moves forward.
STARTS = (
    datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
    datetime(2024, 2, 28, 10, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 45, tzinfo=UTC),
    datetime(2025, 11, 2, 8, 30, tzinfo=UTC),
    datetime(2025, 12, 31, 12, 0, tzinfo=UTC),
)


def months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class _FlushOnly:
    """Lets the Factory build a whole cast in one transaction: its commits become flushes."""

    def __init__(self, session) -> None:
        self.session = session

    def add(self, obj) -> None:
        self.session.add(obj)

    def commit(self) -> None:
        self.session.flush()


@dataclass
class Cast:
    network_id: int
    kind: NetworkKind
    tz: ZoneInfo
    validity: int
    member_ids: dict[str, int]
    user_ids: dict[str, int | None]
    # Who reads a member's notifications: the user acting for it.
    users_of: dict[int, int]

    def user(self, session, actor: str) -> User | None:
        user_id = self.user_ids[actor]
        return None if user_id is None else session.get(User, user_id)

    def fits(self, kind: ReferralKind) -> bool:
        if self.kind == NetworkKind.MIXED:
            return True
        return (self.kind == NetworkKind.CLINICAL) == (kind == ReferralKind.CLINICAL)

    def expected_parties(self, actor: str, row: dict) -> set[Party]:
        if actor == "system":
            return {Party.SYSTEM}
        if actor in ("coordinator", "admin"):
            return {Party.COORDINATOR}
        if actor == "outsider_coordinator":
            return set()
        member_id = self.member_ids[ACTS_FOR[actor]]
        parties = set()
        if row["sender_id"] == member_id:
            parties.add(Party.SENDER)
        if row["receiver_id"] == member_id:
            parties.add(Party.RECEIVER)
        return parties

    def audience(self, row: dict, action: str, parties: set[Party], actor_id) -> set[tuple]:
        """The other side is told: (user, referral, kind) of the notifications expected."""
        if action == "send":
            sides = [row["receiver_id"]]
        else:
            sides = []
            if Party.SENDER not in parties:
                sides.append(row["sender_id"])
            if Party.RECEIVER not in parties and action != "expire":
                sides.append(row["receiver_id"])
        users = {self.users_of.get(side) for side in sides} - {None, actor_id}
        return {(user, row["id"], action) for user in users}

    def third_member(self, row: dict) -> int:
        """The one member of A, B, C that is neither side of the referral."""
        sides = {row["sender_id"], row["receiver_id"]}
        return next(self.member_ids[m] for m in MEMBERS if self.member_ids[m] not in sides)


def build_cast(session, kind: NetworkKind, tz: str, validity: int) -> Cast:
    """Make one example's network and everyone in it, committed."""
    make = Factory(_FlushOnly(session))
    network = make.network(kind=kind, timezone=tz, validity_months=validity)
    other = make.network()
    members = {name: make.member(network, name=f"Member {name}") for name in MEMBERS}
    members["D"] = make.member(network, name="Member D", active=False)
    members["E"] = make.member(network, name="Member E", accepting=False)
    members["O"] = make.member(other, name="Member O")
    users = {
        "a": make.practitioner(members["A"]),
        "b": make.practitioner(members["B"]),
        "c": make.practitioner(members["C"]),
        "outsider": make.practitioner(members["O"]),
        "coordinator": make.user(Role.COORDINATOR, networks=[network]),
        "outsider_coordinator": make.user(Role.COORDINATOR, networks=[other]),
        "admin": make.user(Role.ADMIN),
    }
    member_ids = {name: m.id for name, m in members.items()}
    user_ids = {key: u.id for key, u in users.items()} | {"system": None}
    cast = Cast(
        network_id=network.id,
        kind=kind,
        tz=ZoneInfo(tz),
        validity=validity,
        member_ids=member_ids,
        user_ids=user_ids,
        users_of={member_ids[m]: user_ids[u] for u, m in ACTS_FOR.items()},
    )
    session.commit()
    return cast


@pytest.fixture
def unsynced_commits(db):
    """Commits do not wait for the disk during this test: the machine commits about a
    thousand times, and an fsync costs more than a step. Nothing else changes: what one
    connection commits, the next one reads. Each connection is set back when handed back."""
    if db.engine.dialect.name == "sqlite":
        off, read, restore = (
            "PRAGMA synchronous = OFF",
            "PRAGMA synchronous",
            "PRAGMA synchronous = {}",
        )
    else:
        off, read, restore = (
            "SET synchronous_commit = off",
            "SHOW synchronous_commit",
            "SET synchronous_commit = {}",
        )

    def unsync(dbapi_connection, record, proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute(read)
        record.info.setdefault("synchronous", cursor.fetchone()[0])
        cursor.execute(off)
        dbapi_connection.commit()  # a SET in PostgreSQL lasts only if its transaction commits

    def resync(dbapi_connection, record):
        if "synchronous" in record.info:
            cursor = dbapi_connection.cursor()
            cursor.execute(restore.format(record.info.pop("synchronous")))
            dbapi_connection.commit()

    listen(db.engine, "checkout", unsync)
    listen(db.engine, "checkin", resync)
    try:
        yield
    finally:
        db.session.remove()  # hands its connection back while resync still listens
        remove(db.engine, "checkout", unsync)
        remove(db.engine, "checkin", resync)
