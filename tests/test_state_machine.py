"""The referral state machine tested as a machine.

Hypothesis drives the real services (`send_referral`, `perform`) on the real database with
random sequences of actions by random actors, with good and garbage values and with current,
stale and missing versions, on a fresh network per example and an injected clock. After
every step the rows are read back from the database and compared with what the transition
table (app.referrals.states) allows: a refused action changes nothing at all, a successful
one moves exactly one referral to the table's target and bumps its version by one, the
timeline is append-only and replays the status, and a finished referral never moves again.

A refusal names its reason, checked in the order the service checks: no access at all →
ReferralNotFound, a party the table does not name → ActionForbidden, a version other than
the current one → StaleReferral, a status the action does not start from →
TransitionNotAllowed, bad values → InvalidReferral.

REFNET_SM_EXAMPLES=500 explores with that many random examples instead of the fixed ones.
"""

from __future__ import annotations

import calendar
import os
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.event import listen, remove

from app.models import (
    AuditLog,
    Client,
    NetworkKind,
    Notification,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralKind,
    Role,
    Status,
    User,
)
from app.referrals.access import parties_of
from app.referrals.clients import ClientInput
from app.referrals.errors import (
    ActionForbidden,
    InvalidReferral,
    ReferralError,
    ReferralNotFound,
    StaleReferral,
    TransitionNotAllowed,
)
from app.referrals.service import NewReferral, perform, send_referral
from app.referrals.states import TRANSITIONS, Action, Party, allowed_actions, reachable_statuses
from tests.factories import Factory

S = Status
TERMINAL = frozenset({S.CLOSED, S.DECLINED, S.CANCELLED, S.EXPIRED})

# Columns that only some statuses may fill; any other one must be NULL in that status.
STATE_COLUMNS = (
    "accepted_at",
    "declined_at",
    "scheduled_at",
    "appointment_at",
    "visited_at",
    "closed_at",
    "cancelled_at",
    "expired_at",
    "valid_until",
    "status_reason",
    "outcome",
    "business_value",
    "suggested_member_id",
)
_VISITED = {"accepted_at", "scheduled_at", "appointment_at", "visited_at", "valid_until"}
MAY_FILL = {
    S.SENT: set(),
    S.ACCEPTED: {"accepted_at"},
    S.SCHEDULED: {"accepted_at", "scheduled_at", "appointment_at"},
    S.VISITED: _VISITED,
    S.CLOSED: _VISITED | {"closed_at", "outcome", "business_value"},
    S.DECLINED: {"declined_at", "status_reason", "suggested_member_id"},
    S.CANCELLED: {"accepted_at", "scheduled_at", "appointment_at", "cancelled_at", "status_reason"},
    S.EXPIRED: {"expired_at", "status_reason"},
}
# What the CHECK constraints demand (plus scheduled_at, which the service always sets).
MUST_FILL = {
    S.SENT: set(),
    S.ACCEPTED: {"accepted_at"},
    S.SCHEDULED: {"accepted_at", "scheduled_at", "appointment_at"},
    S.VISITED: {"accepted_at", "visited_at", "valid_until"},
    S.CLOSED: {"accepted_at", "visited_at", "valid_until", "closed_at", "outcome"},
    S.DECLINED: {"declined_at", "status_reason"},
    S.CANCELLED: {"cancelled_at", "status_reason"},
    S.EXPIRED: {"expired_at"},
}

MEMBERS = ("A", "B", "C")  # practitioners a, b, c act for them
ACTORS = ("a", "b", "c", "coordinator", "admin", "outsider", "outsider_coordinator", "system")
# Start clocks near month ends, a leap day and DST changes; the clock only moves forward.
STARTS = (
    datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
    datetime(2024, 2, 28, 10, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 45, tzinfo=UTC),
    datetime(2025, 11, 2, 8, 30, tzinfo=UTC),
    datetime(2025, 12, 31, 12, 0, tzinfo=UTC),
)
# What happens in a step, and how often (see ReferralMachine.step).
STEPS = ("guided",) * 10 + ("random",) * 4 + ("mistake", "unknown", "send", "send", "send anything")
VERSIONS = ("current", "current", "omitted", "stale", "ahead")
GUIDED_VERSIONS = ("current",) * 6 + ("omitted", "stale", "ahead")
# How often a guided step picks each next action: the way to a visit and a close weighs more.
GUIDED_WEIGHT = {
    Action.ACCEPT: 4,
    Action.EXPIRE: 2,
    Action.SCHEDULE: 6,
    Action.RECORD_VISIT: 3,
    Action.NO_SHOW: 3,
    Action.CLOSE: 4,
}
WAIT = st.integers(0, 3 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
ANY_TEXT = object()  # an expected value: some non-empty text, its wording left to the service
# Tables whose row counts a refused action must leave alone.
TALLIED = {
    "notifications": Notification,
    "outbox": OutboxMessage,
    "audit": AuditLog,
    "clients": Client,
}


def months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_table_has_no_dead_ends_and_every_status_is_reachable():
    assert reachable_statuses() == set(Status)
    with_way_out = set().union(*(t.sources for t in TRANSITIONS.values()))
    assert set(Status) - with_way_out == TERMINAL
    assert set(MAY_FILL) == set(MUST_FILL) == set(Status)


class _FlushOnly:
    """Lets the Factory build a whole cast in one transaction: its commits become flushes."""

    def __init__(self, session) -> None:
        self.session = session

    def add(self, obj) -> None:
        self.session.add(obj)

    def commit(self) -> None:
        self.session.flush()


class ReferralMachine(RuleBasedStateMachine):
    """One network per example: practitioners a, b, c of members A, B, C; D has left, E is
    not accepting; a coordinator; an admin; an outsider (member O) and the outsider network's
    coordinator; the system (actor None)."""

    def __init__(self, session, seen: Counter) -> None:
        super().__init__()
        self.session = session
        self.seen = seen
        self.network_id = None
        self.ids: list[int] = []  # every referral of this example, forwarded copies included
        self.frozen: dict[int, dict] = {}  # terminal referrals: their whole row, forever
        self.timelines: dict[int, list[dict]] = {}
        self.versions: dict[int, int] = {}

    # ------------------------------------------------------------------ setup and reading

    @initialize(
        kind=st.sampled_from(NetworkKind),
        tz=st.sampled_from(["UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Europe/Paris"]),
        validity=st.sampled_from([1, 12, 120]),
        start=st.sampled_from(STARTS),
        data=st.data(),
    )
    def setup_network(self, kind, tz, validity, start, data):
        make = Factory(_FlushOnly(self.session))
        network = make.network(kind=kind, timezone=tz, validity_months=validity)
        other = make.network()
        self.network_id, self.kind, self.tz = network.id, kind, ZoneInfo(tz)
        self.validity = validity
        self.now = start
        members = {name: make.member(network, name=f"Member {name}") for name in MEMBERS}
        members["D"] = make.member(network, name="Member D", active=False)
        members["E"] = make.member(network, name="Member E", accepting=False)
        members["O"] = make.member(other, name="Member O")
        self.member_ids = {name: m.id for name, m in members.items()}
        users = {
            "a": make.practitioner(members["A"]),
            "b": make.practitioner(members["B"]),
            "c": make.practitioner(members["C"]),
            "outsider": make.practitioner(members["O"]),
            "coordinator": make.user(Role.COORDINATOR, networks=[network]),
            "outsider_coordinator": make.user(Role.COORDINATOR, networks=[other]),
            "admin": make.user(Role.ADMIN),
        }
        self.user_ids = {key: u.id for key, u in users.items()} | {"system": None}
        self.acts_for = {"a": "A", "b": "B", "c": "C", "outsider": "O"}
        # Who reads a member's notifications: the users acting for it.
        self.users_of = {self.member_ids[m]: self.user_ids[u] for u, m in self.acts_for.items()}
        self.session.commit()
        self._send(*self._plausible_send(data))  # so that there is always something to act on

    def _rows(self) -> dict[int, dict]:
        rows = self.session.execute(
            select(Referral.__table__)
            .where(Referral.network_id == self.network_id)
            .order_by(Referral.id)
        ).mappings()
        return {row["id"]: dict(row) for row in rows}

    def _events(self) -> list[dict]:
        ours = select(Referral.id).where(Referral.network_id == self.network_id)
        rows = self.session.execute(
            select(ReferralEvent.__table__)
            .where(ReferralEvent.referral_id.in_(ours))
            .order_by(ReferralEvent.id)
        ).mappings()
        return [dict(row) for row in rows]

    def _world(self) -> dict:
        """Everything an action could touch, read from the database."""
        count = {
            name: select(func.count()).select_from(model).scalar_subquery()
            for name, model in TALLIED.items()
        }
        last_notification = select(func.coalesce(func.max(Notification.id), 0))
        tallies = self.session.execute(
            select(*count.values(), last_notification.scalar_subquery())
        ).one()
        return {
            "referrals": self._rows(),
            "events": self._events(),
            **dict(zip([*count, "last notification"], tallies, strict=True)),
        }

    def _new_notifications(self, after_id: int) -> set[tuple]:
        rows = self.session.execute(
            select(Notification.user_id, Notification.referral_id, Notification.kind).where(
                Notification.id > after_id
            )
        )
        return {tuple(row) for row in rows}

    def _user(self, actor: str) -> User | None:
        user_id = self.user_ids[actor]
        return None if user_id is None else self.session.get(User, user_id)

    def _expected_parties(self, actor: str, row: dict) -> set[Party]:
        if actor == "system":
            return {Party.SYSTEM}
        if actor in ("coordinator", "admin"):
            return {Party.COORDINATOR}
        if actor == "outsider_coordinator":
            return set()
        member_id = self.member_ids[self.acts_for[actor]]
        parties = set()
        if row["sender_id"] == member_id:
            parties.add(Party.SENDER)
        if row["receiver_id"] == member_id:
            parties.add(Party.RECEIVER)
        return parties

    def _audience(self, row: dict, action: str, parties: set[Party], actor_id) -> set[tuple]:
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

    # ------------------------------------------------------------------ values

    def _third_member(self, row: dict) -> int:
        sides = {row["sender_id"], row["receiver_id"]}
        return next(self.member_ids[m] for m in MEMBERS if self.member_ids[m] not in sides)

    def _local_today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def _values(self, data, action: Action, row: dict, good: bool) -> tuple[dict, dict]:
        """Values for an action, valid or not, and the columns a success must leave behind."""
        draw = data.draw
        now = self.now
        values: dict = {}
        expect: dict = {}
        bad: list[dict] = []
        if action == Action.ACCEPT:
            expect = {"accepted_at": now}
        elif action == Action.DECLINE:
            reason = draw(st.sampled_from(["No capacity this month", "  Out of our scope  "]))
            values["reason"] = reason
            suggested = None
            if draw(st.booleans()):  # the one member that is neither side and can receive
                suggested = self._third_member(row)
                values["suggested_member_id"] = draw(st.sampled_from([suggested, str(suggested)]))
            expect = {
                "declined_at": now,
                "status_reason": reason.strip(),
                "suggested_member_id": suggested,
            }
            bad = [{"reason": r} for r in (None, "", "no", "   ", 42)]
            bad += [
                {"reason": reason, "suggested_member_id": v}
                for v in (self.member_ids["O"], "abc", 0, 10**7, True)
            ]
        elif action == Action.FORWARD:
            target = self._third_member(row)
            reason = draw(st.sampled_from([None, "", "Better fit for this case"]))
            values = {"receiver_id": draw(st.sampled_from([target, str(target)]))}
            if reason is not None:
                values["reason"] = reason
            expect = {"declined_at": now, "status_reason": reason or ANY_TEXT}
            wrong = [row["receiver_id"], row["sender_id"], 10**7, None, "", "abc", 0, True]
            wrong += [self.member_ids[m] for m in "DEO"]
            bad = [{"receiver_id": v} for v in wrong] + [{"receiver_id": target, "reason": 5}]
        elif action == Action.CANCEL:
            reason = draw(st.sampled_from(["Client moved away", " Sent by mistake "]))
            values = {"reason": reason}
            expect = {"cancelled_at": now, "status_reason": reason.strip()}
            bad = [{"reason": r} for r in (None, "", "ok", "  ", 12)]
        elif action == Action.EXPIRE:
            expect = {"expired_at": now, "status_reason": ANY_TEXT}
        elif action == Action.SCHEDULE:
            ahead = timedelta(days=draw(st.integers(1, 700)), minutes=draw(st.integers(0, 1439)))
            at = (now + ahead).replace(microsecond=0)
            local = at.astimezone(self.tz).replace(tzinfo=None)
            form = draw(st.sampled_from(["utc", "z", "local", "object", "now"]))
            if form == "now":
                at, value = now, now.isoformat()
            else:
                value = {
                    "utc": at.isoformat(),
                    "z": at.isoformat().replace("+00:00", "Z"),
                    "local": local.isoformat(timespec="minutes"),
                    "object": at,
                }[form]
                if form == "local":  # read back in the network's timezone
                    at = local.replace(tzinfo=self.tz).astimezone(UTC)
            values = {"appointment_at": value}
            expect = {"scheduled_at": now, "appointment_at": at}
            accepted = row["accepted_at"] or now
            bad = [
                {"appointment_at": v}
                for v in (
                    None,
                    "",
                    "next tuesday",
                    "2030-02-30T09:00",
                    "1999-01-01T09:00",
                    (accepted - timedelta(hours=1)).isoformat(),
                    (now + timedelta(days=800)).isoformat(),
                    12,
                )
            ]
        elif action == Action.RECORD_VISIT:
            today, sent_day = self._local_today(), row["sent_at"].astimezone(self.tz).date()
            visit = sent_day + timedelta(days=draw(st.integers(0, (today - sent_day).days)))
            values = {"visit_date": draw(st.sampled_from([visit, visit.isoformat()]))}
            expect = {
                "visited_at": datetime.combine(visit, time(12), self.tz).astimezone(UTC),
                "valid_until": months_later(visit, self.validity),
            }
            bad = [
                {"visit_date": v}
                for v in (
                    None,
                    "",
                    "last week",
                    "2026-13-01",
                    "1899-12-31",
                    (today + timedelta(days=1)).isoformat(),
                    (sent_day - timedelta(days=1)).isoformat(),
                )
            ]
        elif action == Action.NO_SHOW:
            values = draw(
                st.sampled_from(
                    [
                        {},
                        {"cancel": False},
                        {"cancel": "no"},
                        {"cancel": True},
                        {"cancel": "on", "reason": " Client moved away "},
                    ]
                )
            )
            if values.get("cancel") in (True, "on"):
                expect = {"cancelled_at": now, "status_reason": ANY_TEXT}
                if "reason" in values:
                    expect["status_reason"] = values["reason"].strip()
            else:
                expect = {"appointment_at": None, "scheduled_at": None}
            bad = [{"cancel": True, "reason": 7}]
        elif action == Action.CLOSE:
            outcome = draw(st.sampled_from(["Treated; follow-up in 6 months", " Engaged "]))
            if row["kind"] == ReferralKind.CLINICAL:
                value, amount = draw(st.sampled_from([None, ""])), None
                wrong_values = ["100", 0, "0.00"]
            else:
                value = draw(st.sampled_from([None, "", "1250.50", "0", 300, Decimal("9.99")]))
                amount = None if value in (None, "") else Decimal(str(value))
                wrong_values = ["-1", "abc", "1.234", "NaN", True, "1e20"]
            values = {"outcome": outcome}
            if value is not None:
                values["value"] = value
            expect = {"closed_at": now, "outcome": outcome.strip(), "business_value": amount}
            bad = [{"outcome": o} for o in (None, "", "ok", 5)]
            bad += [{"outcome": outcome, "value": v} for v in wrong_values]
        # Every action takes an optional note; a bad one spoils otherwise good values.
        note = draw(st.sampled_from([None, "", "Phoned the client", "  padded  "]))
        if note is not None:
            values["note"] = note
        bad += [values | {"note": n} for n in (123, "x" * 2001, "bad\x00note")]
        if not good:
            values = draw(st.sampled_from(bad))
        return values, expect

    # ------------------------------------------------------------------ the rule

    # One rule whose kind of step is drawn with fixed weights: with several rules, hypothesis
    # switches whole rules off per example (swarm testing), which here would give examples
    # of sends only, or throw examples away.
    @rule(kind=st.sampled_from(STEPS), wait=WAIT, data=st.data())
    def step(self, kind, wait, data):
        """After a while, one thing happens:
        - guided: a party the table allows takes a next step, mostly with good values and the
          version it saw, so that deep states are reached (or sends a new referral when all
          are finished);
        - random: any actor tries any action with any version and good or bad values, which
          is mostly refused, and must be refused for the right reason;
        - mistake: a party tries, at the current version, one of its actions that the
          referral's status does not allow (a button left on a page that is out of date);
        - unknown: someone asks for an action that does not exist;
        - send: a practitioner sends a referral (while fewer than 3 are open), or someone
          tries to send one who cannot, or to a member who cannot receive it."""
        self.now += wait
        if kind == "guided":
            self._guided(data)
        elif kind == "random":
            self._attempt(
                data.draw(st.sampled_from(self.ids), label="referral"),
                data.draw(st.sampled_from(Action), label="action"),
                data.draw(st.sampled_from(ACTORS), label="actor"),
                data.draw(st.sampled_from(VERSIONS), label="version"),
                data.draw(st.booleans(), label="good values"),
                data,
            )
        elif kind == "mistake":
            self._mistake(data)
        elif kind == "unknown":
            self._unknown_action(data)
        elif kind == "send" and len(self.open_ids()) < 3:
            self._send(*self._plausible_send(data))
        else:
            self._send(
                data.draw(st.sampled_from(["a", "b", "coordinator", "admin", "outsider"])),
                data.draw(st.sampled_from(["A", "B", "C", "D", "E", "O"])),
                data.draw(st.sampled_from(ReferralKind)),
            )

    def _guided(self, data) -> None:
        if not self.open_ids():  # all finished: the next step is a new referral
            self._send(*self._plausible_send(data))
            return
        ref = data.draw(st.sampled_from(self.open_ids()), label="referral")
        row = self._rows()[ref]
        weighted = [
            t.action
            for t in allowed_actions(row["status"], set(Party))
            for _ in range(GUIDED_WEIGHT.get(t.action, 1))
        ]
        action = data.draw(st.sampled_from(weighted), label="action")
        actors = [
            actor
            for actor in ACTORS
            if TRANSITIONS[action].parties & self._expected_parties(actor, row)
        ]
        self._attempt(
            ref,
            action,
            data.draw(st.sampled_from(actors), label="actor"),
            data.draw(st.sampled_from(GUIDED_VERSIONS), label="version"),
            data.draw(st.sampled_from([True, True, True, True, False]), label="good values"),
            data,
        )

    def _mistake(self, data) -> None:
        ref = data.draw(st.sampled_from(self.ids), label="referral")
        row = self._rows()[ref]
        options = [
            (t.action, actor)
            for t in TRANSITIONS.values()
            if row["status"] not in t.sources
            for actor in ACTORS
            if t.parties & self._expected_parties(actor, row)
        ]
        action, actor = data.draw(st.sampled_from(options), label="action, actor")
        self._attempt(ref, action, actor, "current", data.draw(st.booleans()), data)

    def _plausible_send(self, data) -> tuple[str, str, ReferralKind]:
        by = data.draw(st.sampled_from(["a", "a", "b", "c"]), label="sent by")
        to = data.draw(st.sampled_from([m for m in MEMBERS if m != self.acts_for[by]]), label="to")
        kind = data.draw(st.sampled_from([k for k in ReferralKind if self._fits(k)]), label="kind")
        return by, to, kind

    def _send(self, by: str, to: str, kind: ReferralKind) -> None:
        own = self.acts_for.get(by)
        ok = by in ("a", "b", "c") and to in MEMBERS and to != own and self._fits(kind)
        before = self._world()
        new = NewReferral(
            receiver_id=self.member_ids[to],
            kind=kind.value,
            reason="Chest pain on exertion",
            service="Cardiology consult",
            client=ClientInput("Ada", "Lovelace", "1980-05-17", consent=True),
        )
        try:
            referral = send_referral(self._user(by), new, now=self.now)
        except InvalidReferral:
            self.session.rollback()
            assert not ok, f"{by} could not send a {kind} referral to {to}"
            assert self._world() == before
            self.seen["refused send"] += 1
            return
        assert ok, f"{by} sent a {kind} referral to {to}"
        self.session.commit()
        self.seen["send"] += 1
        self.ids.append(referral.id)
        row = self._rows()[referral.id]
        assert row["status"] == S.SENT and row["version"] == 1
        assert row["sent_at"] == self.now and row["created_by_id"] == self.user_ids[by]
        assert row["sender_id"] == self.member_ids[own]
        assert row["receiver_id"] == self.member_ids[to] and row["kind"] == kind
        (event,) = [e for e in self._events() if e["referral_id"] == referral.id]
        assert (event["action"], event["from_status"], event["to_status"]) == ("send", None, S.SENT)
        notified = self._new_notifications(before["last notification"])
        assert notified == self._audience(row, "send", {Party.SENDER}, self.user_ids[by])
        after = self._world()
        assert after["audit"] == before["audit"] + 1
        assert after["clients"] == before["clients"] + 1

    def open_ids(self) -> list[int]:
        return [ref for ref in self.ids if ref not in self.frozen]

    def _fits(self, kind: ReferralKind) -> bool:
        if self.kind == NetworkKind.MIXED:
            return True
        return (self.kind == NetworkKind.CLINICAL) == (kind == ReferralKind.CLINICAL)

    def _unknown_action(self, data):
        ref = data.draw(st.sampled_from(self.ids), label="referral")
        actor = data.draw(st.sampled_from(ACTORS), label="actor")
        action = data.draw(st.sampled_from(["", "delete", "ACCEPT", "close "]), label="action")
        before = self._world()
        try:
            perform(self.session.get(Referral, ref), action, self._user(actor), now=self.now)
        except ReferralNotFound:
            self.session.rollback()
        else:
            raise AssertionError(f"action {action!r} was carried out")
        assert self._world() == before
        self.seen["unknown action"] += 1

    def _attempt(self, ref, action, actor, version_choice, good, data):
        before = self._world()
        row = before["referrals"][ref]
        values, expect = self._values(data, action, row, good)
        version = {
            "current": row["version"],
            "omitted": None,
            "stale": row["version"] - 1,
            "ahead": row["version"] + 1,
        }[version_choice]
        transition = TRANSITIONS[action]
        parties = self._expected_parties(actor, row)
        user = self._user(actor)
        referral = self.session.get(Referral, ref)
        if user is not None:
            assert parties_of(user, referral) == parties

        if not parties:
            expected = ReferralNotFound
        elif not transition.parties & parties:
            expected = ActionForbidden
        elif version is not None and version != row["version"]:
            expected = StaleReferral
        elif row["status"] not in transition.sources:
            expected = TransitionNotAllowed
        elif not good:
            expected = InvalidReferral
        else:
            expected = None

        try:
            perform(referral, action.value, user, version=version, values=values, now=self.now)
        except ReferralError as refused:
            self.session.rollback()  # as the request handler does
            assert type(refused) is expected, (
                f"{actor} {action} on {row['status']} v{row['version']} (given {version}) "
                f"with {values!r}: expected {expected and expected.__name__}, "
                f"got {type(refused).__name__}: {refused.message} {refused.fields}"
            )
            assert self._world() == before, "a refused action changed the database"
            self.seen[type(refused).__name__] += 1
            return
        assert expected is None, (
            f"{actor} {action} on {row['status']} v{row['version']} (given {version}) "
            f"with {values!r} succeeded, expected {expected.__name__}"
        )
        self.session.commit()
        self.seen[action.value] += 1
        self._check_success(before, row, action, actor, parties, expect)

    def _check_success(self, before, row, action, actor, parties, expect):
        after = self._world()
        ref = row["id"]
        new = after["referrals"][ref]
        transition = TRANSITIONS[action]
        cancelled_no_show = action == Action.NO_SHOW and "cancelled_at" in expect
        target = transition.alternative_target if cancelled_no_show else transition.target
        assert new["status"] == target
        assert new["version"] == row["version"] + 1
        self.seen[f"reached {target.value}"] += 1
        for name, value in expect.items():
            if value is ANY_TEXT:
                assert isinstance(new[name], str) and new[name].strip(), name
            else:
                assert new[name] == value, (name, new[name], value)
        changed = {k for k in row if row[k] != new[k]}
        assert changed <= {"status", "version", "updated_at", *expect}, changed

        # Only this referral changed; a forward adds exactly one linked copy.
        copies = set(after["referrals"]) - set(before["referrals"])
        assert {k: v for k, v in after["referrals"].items() if k not in copies | {ref}} == {
            k: v for k, v in before["referrals"].items() if k != ref
        }
        if action == Action.FORWARD:
            (copy_id,) = copies
            copy = after["referrals"][copy_id]
            assert copy["forwarded_from_id"] == ref and copy["status"] == S.SENT
            assert copy["version"] == 1 and copy["sent_at"] == self.now
            same = ("sender_id", "client_id", "kind", "priority", "reason", "service", "notes")
            assert all(copy[k] == row[k] for k in same)
            assert copy["receiver_id"] not in (row["sender_id"], row["receiver_id"])
        else:
            assert not copies

        # The timeline grew by one event per changed referral, appended at the end.
        assert after["events"][: len(before["events"])] == before["events"]
        added = after["events"][len(before["events"]) :]
        assert len(added) == 1 + len(copies)
        event = added[0]
        assert event["referral_id"] == ref and event["action"] == action.value
        assert (event["from_status"], event["to_status"]) == (row["status"], target)
        assert event["actor_id"] == self.user_ids[actor] and event["at"] == self.now
        assert after["audit"] == before["audit"] + 1 + len(copies)

        expected_notes = self._audience(new, action.value, parties, self.user_ids[actor])
        for copy_id in copies:
            copy = after["referrals"][copy_id]
            expected_notes |= self._audience(copy, "send", {Party.SENDER}, self.user_ids[actor])
        assert self._new_notifications(before["last notification"]) == expected_notes
        assert after["outbox"] - before["outbox"] == len(expected_notes)
        self.ids.extend(sorted(copies))

    # ------------------------------------------------------------------ invariants

    @invariant()
    def rows_agree_with_the_table(self):
        if self.network_id is None:
            return
        self.session.rollback()  # read what is committed, not what a session holds
        rows = self._rows()
        timelines: dict[int, list[dict]] = {ref: [] for ref in rows}
        for event in self._events():
            timelines[event["referral_id"]].append(event)
        for ref, row in rows.items():
            self._check_row(row, rows)
            self._check_timeline(row, timelines[ref])
            assert row["version"] >= self.versions.get(ref, 1)
            self.versions[ref] = row["version"]
            if ref in self.frozen:
                assert row == self.frozen[ref], f"finished referral {ref} changed"
            elif row["status"] in TERMINAL:
                self.frozen[ref] = row

    def _check_row(self, row, rows):
        status = row["status"]
        filled = {name for name in STATE_COLUMNS if row[name] is not None}
        assert MUST_FILL[status] <= filled, (status, MUST_FILL[status] - filled)
        assert filled <= MAY_FILL[status], (status, filled - MAY_FILL[status])
        assert row["version"] >= 1 and row["sender_id"] != row["receiver_id"]
        if row["kind"] == ReferralKind.CLINICAL:
            assert row["business_value"] is None
        elif row["business_value"] is not None:
            assert row["business_value"] >= 0
        sent = row["sent_at"]
        for name in ("accepted_at", "declined_at", "cancelled_at", "expired_at", "closed_at"):
            assert row[name] is None or row[name] >= sent, name
        if row["scheduled_at"] is not None:
            assert row["accepted_at"] <= row["scheduled_at"] <= self.now
        if row["appointment_at"] is not None:
            assert row["appointment_at"] >= row["accepted_at"]
        if row["closed_at"] is not None:
            assert row["closed_at"] >= row["accepted_at"]
        if row["visited_at"] is not None:  # validity runs from the day of the (only) visit
            visit = row["visited_at"].astimezone(self.tz).date()
            assert sent.astimezone(self.tz).date() <= visit
            assert row["valid_until"] == months_later(visit, self.validity)
        if row["forwarded_from_id"] is not None:
            assert rows[row["forwarded_from_id"]]["status"] == S.DECLINED

    def _check_timeline(self, row, events):
        ref = row["id"]
        assert events, f"referral {ref} has no timeline"
        first = events[0]
        assert (first["action"], first["from_status"], first["to_status"]) == ("send", None, S.SENT)
        for previous, event in pairwise(events):
            assert event["from_status"] == previous["to_status"]
            assert event["at"] >= previous["at"]
            transition = TRANSITIONS[Action(event["action"])]
            assert event["from_status"] in transition.sources
            assert event["to_status"] in {transition.target, transition.alternative_target}
        assert events[-1]["to_status"] == row["status"]
        assert len(events) == row["version"]  # one event per version, send included
        seen = self.timelines.get(ref, [])
        assert events[: len(seen)] == seen, f"the timeline of referral {ref} was rewritten"
        self.timelines[ref] = events
        if row["forwarded_from_id"] is not None:
            origin = self.timelines.get(row["forwarded_from_id"]) or []
            assert any(e["action"] == "forward" for e in origin)
        assert {e["to_status"] for e in events} <= reachable_statuses()
        if row["status"] in TERMINAL:
            assert not allowed_actions(row["status"], set(Party))

    def teardown(self):
        self.session.rollback()


EXAMPLES = int(os.environ.get("REFNET_SM_EXAMPLES", "40"))


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


def test_random_actions_never_leave_the_table(app, db, unsynced_commits):
    seen: Counter = Counter()
    run_state_machine_as_test(
        lambda: ReferralMachine(db.session, seen),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            # Same examples on every run unless someone asks for more exploration.
            derandomize="REFNET_SM_EXAMPLES" not in os.environ,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],  # every example builds a network
        ),
    )
    print("state machine coverage:", dict(sorted(seen.items())))  # shown with -s or on failure
    # The machine really went everywhere: every action succeeded, every refusal happened.
    missing = {a.value for a in Action} | {f"reached {s.value}" for s in Status if s != S.SENT}
    missing |= {e.__name__ for e in (ReferralNotFound, ActionForbidden, StaleReferral)}
    missing |= {e.__name__ for e in (TransitionNotAllowed, InvalidReferral)}
    missing -= set(seen)
    assert not missing, f"never happened: {sorted(missing)}"
