"""Reading an example's rows back from the database, and what every row must satisfy.

Used by tests/test_state_machine.py after every step: the rows against the status rules
(app.referrals.status_rules: what each status must and may carry) and the transition table
(app.referrals.states), the timeline against the status, a finished referral against itself.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import (
    AuditLog,
    Client,
    Notification,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralKind,
    Status,
)
from app.referrals.states import (
    TRANSITIONS,
    Action,
    Party,
    Target,
    allowed_actions,
    reachable_statuses,
)
from app.referrals.status_rules import MAY_FILL, MUST_FILL, STAGE_FIELDS
from tests.state_machine_cast import Cast, months_later
from tests.state_machine_values import ANY_TEXT, UNCHECKED

S = Status
# Statuses that never move again; closed and cancelled ones move only when reopened.
TERMINAL = frozenset({S.DECLINED, S.EXPIRED})
ENDED = frozenset({S.CLOSED, S.CANCELLED})
REOPEN_DAYS = 30  # the network's reopen_within_days (the default)
# Tables whose row counts a refused action must leave alone.
TALLIED = {
    "notifications": Notification,
    "outbox": OutboxMessage,
    "audit": AuditLog,
    "clients": Client,
}


def read_rows(session, network_id: int) -> dict[int, dict]:
    rows = session.execute(
        select(Referral.__table__).where(Referral.network_id == network_id).order_by(Referral.id)
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


def read_events(session, network_id: int) -> list[dict]:
    ours = select(Referral.id).where(Referral.network_id == network_id)
    rows = session.execute(
        select(ReferralEvent.__table__)
        .where(ReferralEvent.referral_id.in_(ours))
        .order_by(ReferralEvent.id)
    ).mappings()
    return [dict(row) for row in rows]


def read_world(session, network_id: int) -> dict:
    """Everything an action could touch, read from the database."""
    count = {
        name: select(func.count()).select_from(model).scalar_subquery()
        for name, model in TALLIED.items()
    }
    last_notification = select(func.coalesce(func.max(Notification.id), 0))
    tallies = session.execute(select(*count.values(), last_notification.scalar_subquery())).one()
    return {
        "referrals": read_rows(session, network_id),
        "events": read_events(session, network_id),
        **dict(zip([*count, "last notification"], tallies, strict=True)),
    }


def new_notifications(session, after_id: int) -> set[tuple]:
    rows = session.execute(
        select(Notification.user_id, Notification.referral_id, Notification.kind).where(
            Notification.id > after_id
        )
    )
    return {tuple(row) for row in rows}


class RowChecker:
    """Holds every row of one example to the tables, and remembers what it saw: versions
    only grow, timelines are only appended to, a finished referral never changes again."""

    def __init__(self, tz: ZoneInfo, validity: int) -> None:
        self.tz = tz
        self.validity = validity
        self.frozen: dict[int, dict] = {}  # terminal referrals: their whole row, forever
        self.timelines: dict[int, list[dict]] = {}
        self.versions: dict[int, int] = {}

    def check(self, rows: dict[int, dict], events: list[dict], now: datetime) -> None:
        timelines: dict[int, list[dict]] = {ref: [] for ref in rows}
        for event in events:
            timelines[event["referral_id"]].append(event)
        for ref, row in rows.items():
            self.check_row(row, rows, now)
            self.check_timeline(row, timelines[ref])
            assert row["version"] >= self.versions.get(ref, 1)
            self.versions[ref] = row["version"]
            if ref in self.frozen and row != self.frozen[ref]:
                # Only a reopen moves a closed or cancelled referral, and nothing else does.
                reopened = timelines[ref][-1]["action"] == Action.REOPEN.value
                assert self.frozen[ref]["status"] in ENDED and reopened, f"{ref} changed"
                del self.frozen[ref]
            if ref not in self.frozen and row["status"] in TERMINAL | ENDED:
                self.frozen[ref] = row

    def check_row(self, row: dict, rows: dict[int, dict], now: datetime) -> None:
        status = row["status"]
        filled = {name for name in STAGE_FIELDS if row[name] is not None}
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
            assert row["accepted_at"] <= row["scheduled_at"] <= now
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

    def check_timeline(self, row: dict, events: list[dict]) -> None:
        ref = row["id"]
        assert events, f"referral {ref} has no timeline"
        first = events[0]
        assert (first["action"], first["from_status"], first["to_status"]) == ("send", None, S.SENT)
        for previous, event in pairwise(events):
            assert event["from_status"] == previous["to_status"]
            assert event["at"] >= previous["at"]
            transition = TRANSITIONS[Action(event["action"])]
            assert event["from_status"] in transition.sources
            assert event["to_status"] in transition.outcomes
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


def status_before(row: dict, events: list[dict]) -> Status:
    """Where a reopen takes a closed or cancelled referral: the oracle of the test."""
    if row["status"] == S.CLOSED:
        return S.VISITED
    cancel = [e for e in events if e["referral_id"] == row["id"] and e["to_status"] == S.CANCELLED]
    last = cancel[-1]
    return S.ACCEPTED if last["action"] == Action.NO_SHOW.value else last["from_status"]


def check_success(
    session,
    cast: Cast,
    before: dict,
    after: dict,
    row: dict,
    action: Action,
    actor: str,
    parties: set[Party],
    expect: dict,
    *,
    now: datetime,
) -> tuple[Status, list[int]]:
    """What one successful action left in the database, given the worlds before and after:
    the status it reached, and the forwarded copies it made."""
    ref = row["id"]
    new = after["referrals"][ref]
    transition = TRANSITIONS[action]
    cancelled_no_show = action == Action.NO_SHOW and "cancelled_at" in expect
    if transition.target == Target.SAME:
        target = row["status"]
    elif transition.target == Target.BEFORE:
        target = status_before(row, before["events"])
    else:
        target = transition.alternative_target if cancelled_no_show else transition.target
    assert new["status"] == target
    assert new["version"] == row["version"] + 1
    for name, value in expect.items():
        if value is UNCHECKED:  # kept, unless the target may not carry it
            kept = {
                "appointment_at": target != S.ACCEPTED,
                "scheduled_at": target != S.ACCEPTED,
                "info_requested_at": target == S.INFO_REQUESTED,
                "info_question": target == S.INFO_REQUESTED,
            }[name]
            assert new[name] == (row[name] if kept else None), name
        elif value is ANY_TEXT:
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
        assert copy["version"] == 1 and copy["sent_at"] == now
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
    assert event["actor_id"] == cast.user_ids[actor] and event["at"] == now
    assert after["audit"] == before["audit"] + 1 + len(copies)

    expected_notes = cast.audience(new, action.value, parties, cast.user_ids[actor])
    for copy_id in copies:
        copy = after["referrals"][copy_id]
        expected_notes |= cast.audience(copy, "send", {Party.SENDER}, cast.user_ids[actor])
    assert new_notifications(session, before["last notification"]) == expected_notes
    assert after["outbox"] - before["outbox"] == len(expected_notes)
    return target, sorted(copies)
