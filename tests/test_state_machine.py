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

Beside this file: state_machine_cast.py builds each example's network and people,
state_machine_values.py draws good and bad values per action, and state_machine_rows.py
reads the rows back and holds them to the status rules (app.referrals.status_rules: what
each status must and may carry, the same table the CHECK constraints come from).

REFNET_SM_EXAMPLES=500 explores with that many random examples instead of the fixed ones.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta

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

from app.models import NetworkKind, Referral, ReferralKind, Status
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
from app.referrals.status_rules import MAY_FILL, MUST_FILL, STATUS_RULES
from tests.state_machine_cast import (
    ACTORS,
    ACTS_FOR,
    MEMBERS,
    STARTS,
    TIMEZONES,
    build_cast,
    unsynced_commits,  # noqa: F401 - a fixture of the test below
)
from tests.state_machine_rows import (
    ENDED,
    REOPEN_DAYS,
    TERMINAL,
    RowChecker,
    check_success,
    new_notifications,
    read_events,
    read_rows,
    read_world,
)
from tests.state_machine_values import values_for

S = Status
# What happens in a step, and how often (see ReferralMachine.step).
STEPS = ("guided",) * 10 + ("random",) * 4 + ("mistake", "unknown", "send", "send", "send anything")
VERSIONS = ("current", "current", "omitted", "stale", "ahead")
GUIDED_VERSIONS = ("current",) * 6 + ("omitted", "stale", "ahead")
# How often a guided step picks each next action: the way to a visit and a close weighs more.
GUIDED_WEIGHT = {
    Action.ACCEPT: 4,
    Action.EXPIRE: 2,
    Action.SCHEDULE: 6,
    Action.RESCHEDULE: 2,
    Action.RECORD_VISIT: 3,
    Action.NO_SHOW: 3,
    Action.CLOSE: 4,
    Action.PROVIDE_INFO: 4,
    Action.INTERIM_REPORT: 1,
    Action.REOPEN: 1,
}
WAIT = st.integers(0, 3 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))


def test_table_has_no_dead_ends_and_every_status_is_reachable():
    assert reachable_statuses() == set(Status)
    with_way_out = set().union(*(t.sources for t in TRANSITIONS.values()))
    assert set(Status) - with_way_out == TERMINAL
    assert TRANSITIONS[Action.REOPEN].sources >= ENDED
    assert set(MAY_FILL) == set(MUST_FILL) == set(STATUS_RULES) == set(Status)
    assert all(MUST_FILL[s] <= MAY_FILL[s] for s in Status)


class ReferralMachine(RuleBasedStateMachine):
    """One network per example (tests/state_machine_cast.py builds it); the system acts as
    actor None."""

    def __init__(self, session, seen: Counter) -> None:
        super().__init__()
        self.session = session
        self.seen = seen
        self.cast = None
        self.checker = None
        self.ids: list[int] = []  # every referral of this example, forwarded copies included

    # ------------------------------------------------------------------ setup and reading

    @initialize(
        kind=st.sampled_from(NetworkKind),
        tz=st.sampled_from(TIMEZONES),
        validity=st.sampled_from([1, 12, 120]),
        start=st.sampled_from(STARTS),
        data=st.data(),
    )
    def setup_network(self, kind, tz, validity, start, data):
        self.cast = build_cast(self.session, kind, tz, validity)
        self.checker = RowChecker(self.cast.tz, validity)
        self.now = start
        self._send(*self._plausible_send(data))  # so that there is always something to act on

    def _rows(self) -> dict[int, dict]:
        return read_rows(self.session, self.cast.network_id)

    def _events(self) -> list[dict]:
        return read_events(self.session, self.cast.network_id)

    def _world(self) -> dict:
        return read_world(self.session, self.cast.network_id)

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
            if TRANSITIONS[action].parties & self.cast.expected_parties(actor, row)
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
            if t.parties & self.cast.expected_parties(actor, row)
        ]
        action, actor = data.draw(st.sampled_from(options), label="action, actor")
        self._attempt(ref, action, actor, "current", data.draw(st.booleans()), data)

    def _plausible_send(self, data) -> tuple[str, str, ReferralKind]:
        by = data.draw(st.sampled_from(["a", "a", "b", "c"]), label="sent by")
        to = data.draw(st.sampled_from([m for m in MEMBERS if m != ACTS_FOR[by]]), label="to")
        kind = data.draw(
            st.sampled_from([k for k in ReferralKind if self.cast.fits(k)]), label="kind"
        )
        return by, to, kind

    def _send(self, by: str, to: str, kind: ReferralKind) -> None:
        own = ACTS_FOR.get(by)
        ok = by in ("a", "b", "c") and to in MEMBERS and to != own and self.cast.fits(kind)
        before = self._world()
        new = NewReferral(
            receiver_id=self.cast.member_ids[to],
            kind=kind.value,
            reason="Chest pain on exertion",
            service="Cardiology consult",
            client=ClientInput("Ada", "Lovelace", "1980-05-17", consent=True),
        )
        try:
            referral = send_referral(self.cast.user(self.session, by), new, now=self.now)
        except (InvalidReferral, ActionForbidden):
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
        assert row["sent_at"] == self.now and row["created_by_id"] == self.cast.user_ids[by]
        assert row["sender_id"] == self.cast.member_ids[own]
        assert row["receiver_id"] == self.cast.member_ids[to] and row["kind"] == kind
        (event,) = [e for e in self._events() if e["referral_id"] == referral.id]
        assert (event["action"], event["from_status"], event["to_status"]) == ("send", None, S.SENT)
        notified = new_notifications(self.session, before["last notification"])
        assert notified == self.cast.audience(row, "send", {Party.SENDER}, self.cast.user_ids[by])
        after = self._world()
        assert after["audit"] == before["audit"] + 1
        assert after["clients"] == before["clients"] + 1

    def open_ids(self) -> list[int]:
        """Referrals that can still move: not finished for good, nor ended too long ago."""
        rows = self._rows()
        return [ref for ref in self.ids if not self._stuck(rows[ref])]

    def _stuck(self, row: dict) -> bool:
        if row["status"] in TERMINAL:
            return True
        return row["status"] in ENDED and self._too_late_to_reopen(row)

    def _late(self, action: Action, row: dict) -> bool:
        return action == Action.REOPEN and self._too_late_to_reopen(row)

    def _too_late_to_reopen(self, row: dict) -> bool:
        ended = row["closed_at"] or row["cancelled_at"]
        return self.now > ended + timedelta(days=REOPEN_DAYS)

    def _unknown_action(self, data):
        ref = data.draw(st.sampled_from(self.ids), label="referral")
        actor = data.draw(st.sampled_from(ACTORS), label="actor")
        action = data.draw(st.sampled_from(["", "delete", "ACCEPT", "close "]), label="action")
        before = self._world()
        try:
            perform(
                self.session.get(Referral, ref),
                action,
                self.cast.user(self.session, actor),
                now=self.now,
            )
        except ReferralNotFound:
            self.session.rollback()
        else:
            raise AssertionError(f"action {action!r} was carried out")
        assert self._world() == before
        self.seen["unknown action"] += 1

    def _attempt(self, ref, action, actor, version_choice, good, data):
        before = self._world()
        row = before["referrals"][ref]
        values, expect = values_for(data, action, row, good, self.cast, self.now)
        version = {
            "current": row["version"],
            "omitted": None,
            "stale": row["version"] - 1,
            "ahead": row["version"] + 1,
        }[version_choice]
        transition = TRANSITIONS[action]
        parties = self.cast.expected_parties(actor, row)
        user = self.cast.user(self.session, actor)
        referral = self.session.get(Referral, ref)
        if user is not None:
            assert parties_of(user, referral) == parties

        if not parties:
            expected = ReferralNotFound
        elif not transition.parties & parties:
            expected = ActionForbidden
        elif version is not None and version != row["version"]:
            expected = StaleReferral
        elif row["status"] not in transition.sources or (
            action == Action.REOPEN and self._too_late_to_reopen(row)
        ):
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
        target, copies = check_success(
            self.session, self.cast, before, self._world(), row, action, actor, parties, expect,
            now=self.now,
        )  # fmt: skip
        self.seen[f"reached {target.value}"] += 1
        self.ids.extend(copies)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def rows_agree_with_the_table(self):
        if self.cast is None:
            return
        self.session.rollback()  # read what is committed, not what a session holds
        self.checker.check(self._rows(), self._events(), self.now)

    def teardown(self):
        self.session.rollback()


EXAMPLES = int(os.environ.get("REFNET_SM_EXAMPLES", "40"))


@pytest.mark.usefixtures("unsynced_commits")
def test_random_actions_never_leave_the_table(app, db):
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
