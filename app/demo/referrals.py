"""Referrals and their events, generated in batches of plain tuples (with their clients).

Rows carry explicit ids so that events and forwarded referrals point at their referral
without a round trip to the database. The hot loop runs a million times for the benchmark
network: it keeps to local names, integer times and one datetime per stored timestamp.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from app.demo.cast import CastMember, NetworkCast, weighted_index
from app.demo.clients import ClientBook
from app.demo.clock import Clock, Times
from app.demo.timeline import (
    ACCEPT,
    ACCEPTED,
    CANCEL,
    CANCELLED,
    CLOSE,
    CLOSED,
    DAY,
    DECLINE,
    DECLINED,
    EXPIRE,
    EXPIRED,
    FINISHED,
    FINISHED_CUM,
    FORWARD,
    INTERIM_REPORT,
    MINUTE,
    NO_SHOW,
    PRIORITIES,
    PRIORITY_CUM,
    PROVIDE_INFO,
    RECEIVER,
    RECORD_VISIT,
    REOPEN,
    REQUEST_INFO,
    SCHEDULE,
    SCHEDULED,
    SEND,
    SENT,
    STATUS_CUM,
    STATUSES,
    VISITED,
    Timeline,
    TimelinePlanner,
    forwarded_parent,
)
from app.fields import add_months

REFERRAL_COLUMNS = (
    "id", "network_id", "sender_id", "receiver_id", "client_id", "created_by_id",
    "forwarded_from_id", "suggested_member_id", "kind", "priority", "status", "reason",
    "service", "notes", "sent_at", "accepted_at", "declined_at", "scheduled_at",
    "appointment_at", "visited_at", "closed_at", "cancelled_at", "expired_at", "updated_at",
    "status_reason", "outcome", "business_value", "valid_until", "version",
    "info_requested_at", "info_question", "sender_wait_seconds", "reason_code",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "referral_id", "actor_id", "action", "from_status", "to_status", "note", "at",
    "reason_code",
)  # fmt: skip

FAVOURITE_SHARE = 0.75
FORWARD_SHARE = 0.25  # of declines, forwarded to a colleague of the same specialty
SUGGEST_SHARE = 0.3  # of plain declines, with a suggested member
NOTES_SHARE = 0.25
EXPIRED_REASON = "No answer in time"  # what the referral service records on expiry
# Pinned at the start of each network so that the showcase members (the demo logins) have
# every status in their outbox and some referrals in their inbox, whatever the size.
PINNED = tuple((0, 1, status) for status in STATUSES) + tuple(
    (1, 0, status) for status in (CLOSED, SENT, ACCEPTED, VISITED, SCHEDULED)
)
# The receiver's questions before it answers, and the senders' answers (demo texts).
QUESTIONS = (
    "Could you send the latest blood results?",
    "Has the client already seen another specialist for this?",
    "Which medication is the client taking at the moment?",
    "Can you tell us more about how long this has been going on?",
)
ANSWERS = (
    "Attached the results from last week.",
    "No, this is the first referral for it.",
    "Only the medication listed in the notes.",
    "About three months, getting slowly worse.",
)
# Reason codes drawn for declines and cancellations (the texts come from the catalogue).
DECLINE_CODES = (
    "no_capacity", "no_capacity", "outside_service_area", "not_eligible",
    "missing_information", "wrong_specialty", "other",
)  # fmt: skip
CANCEL_CODES = ("client_declined", "client_declined", "client_unreachable", "other")
NO_SHOW_CODE = "client_unreachable"
INTERIM_NOTE = "Seen today; results pending, the full report follows."
REOPEN_REASON = "A late result came in: reopened to add it to the outcome."
# Actions whose event carries the referral's status reason as its note.
REASON_ACTIONS = frozenset({DECLINE, FORWARD, CANCEL, EXPIRE})


@dataclass(slots=True)
class Batch:
    clients: list[tuple] = field(default_factory=list)
    referrals: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


@dataclass(slots=True)
class NextIds:
    client: int
    referral: int
    event: int


class ReferralGenerator:
    def __init__(
        self, rng: random.Random, anchor: datetime, cast: NetworkCast, ids: NextIds
    ) -> None:
        self.r = rng.random
        self.cast = cast
        self.members = cast.members
        self.catalogue = cast.catalogue
        self.ids = ids
        self.latest = int(anchor.timestamp()) - 1  # every step happens before the anchor
        self.kind = self.catalogue.kind
        self.priority_cum = PRIORITY_CUM[self.kind]
        self.planner = TimelinePlanner(
            self.r, int(anchor.timestamp()), self.catalogue.expire_after_days
        )
        self.clock = Clock(self.catalogue.timezone)
        self.clients = ClientBook(self.r, cast, anchor.date().toordinal(), ids.client)
        self._valid_until: dict[date, date] = {}

    def batches(self, count: int, batch_size: int) -> Iterator[Batch]:
        """`count` referrals of this network, in batches of about `batch_size`."""
        pinned = [p for p in PINNED if max(p[0], p[1]) < len(self.members)]
        made = 0
        while made < count:
            batch = Batch()
            self.clients.start_batch()
            target = min(count, made + batch_size)
            while made < target:
                if made < len(pinned):
                    s, rc, status = pinned[made]
                    made += self._referral(batch, s, rc, status, room=1)
                else:
                    s = weighted_index(self.cast.send_cum, self.r)
                    made += self._referral(batch, s, self._receiver(s), None, target - made)
            batch.clients = self.clients.tuples()
            self.ids.client = self.clients.next_id
            yield batch

    def _receiver(self, sender: int) -> int:
        r = self.r
        favourites = self.members[sender].favourites
        if favourites and r() < FAVOURITE_SHARE:
            return favourites[int(r() * len(favourites))]
        while True:
            receiver = weighted_index(self.cast.receive_cum, r)
            if receiver != sender:
                return receiver

    def _colleague(self, receiver: CastMember, avoid: tuple[int, int]) -> CastMember | None:
        """Another active, accepting member of the receiver's specialty, if one is found."""
        same = self.cast.receivers_by_specialty.get(receiver.profile.specialty, ())
        for _ in range(4 if same else 0):
            index = same[int(self.r() * len(same))]
            if index not in avoid:
                return self.members[index]
        return None

    def _referral(self, batch: Batch, s: int, rc: int, status: str | None, room: int) -> int:
        """Add one referral (two when forwarded) to the batch; returns how many were added."""
        r = self.r
        sender, receiver = self.members[s], self.members[rc]
        old = not sender.active or not receiver.receives
        priority = weighted_index(self.priority_cum, r)
        if status is None:
            if old:
                status = FINISHED[weighted_index(FINISHED_CUM, r)]
            else:
                status = STATUSES[weighted_index(STATUS_CUM, r)]
        colleague = None
        if status == DECLINED and not old and room >= 2 and r() < FORWARD_SHARE:
            colleague = self._colleague(receiver, avoid=(s, rc))
        texts = self._texts(receiver)
        if colleague is None:
            timeline = self.planner.plan(status, priority)
            times = self.clock.times(timeline, self.planner.place(timeline, old), self.latest)
            client = self.clients.client_for(sender, times.steps[0])
            self._emit(batch, sender, receiver, client, timeline, times, priority, texts)
            return 1
        # Forwarded: the receiver declines its referral as it sends a copy to a colleague.
        child = self.planner.plan(STATUSES[weighted_index(STATUS_CUM, r)], priority)
        child_times = self.clock.times(child, self.planner.place(child, old), self.latest)
        respond = 30 * MINUTE + int(r() * r() * 3 * DAY)
        parent = forwarded_parent(respond)
        parent_times = self.clock.times(parent, child_times.planned_sent - respond, self.latest)
        parent_times.steps[-1] = child_times.steps[0]
        client = self.clients.client_for(sender, parent_times.steps[0])
        parent_id = self._emit(
            batch, sender, receiver, client, parent, parent_times, priority, texts,
            reason=f"Forwarded to {colleague.name}", suggested=colleague,
        )  # fmt: skip
        self._emit(
            batch, sender, colleague, client, child, child_times, priority, texts,
            forwarded_from=parent_id, created_by=receiver.user_id,
        )  # fmt: skip
        return 2

    def _texts(self, receiver: CastMember) -> tuple[str, str, str | None]:
        """Service, reason and notes, as a sender would write them to this receiver."""
        r = self.r
        services = receiver.profile.services
        service = services[int(r() * len(services))]
        reason = service.reasons[int(r() * len(service.reasons))]
        notes = self.catalogue.notes
        note = notes[int(r() * len(notes))] if r() < NOTES_SHARE else None
        return service.name, reason, note

    def _outcome(self, timeline: Timeline, receiver: CastMember, reason: str | None):
        """Status reason, outcome and business value for the referral's final status."""
        r = self.r
        catalogue = self.catalogue
        profile = receiver.profile
        status = timeline.status
        if status == DECLINED:
            if reason is None:
                reason = catalogue.decline_reasons[int(r() * len(catalogue.decline_reasons))]
            return reason, None, None
        if status == CANCELLED:
            reasons = (
                catalogue.no_show_reasons if timeline.no_show_cancel else catalogue.cancel_reasons
            )
            return reasons[int(r() * len(reasons))], None, None
        if status == EXPIRED:
            return EXPIRED_REASON, None, None
        if status == CLOSED:
            outcome = profile.outcomes[int(r() * len(profile.outcomes))]
            value = None
            if profile.value_range is not None:  # professional work only
                low, high = profile.value_range
                value = Decimal((low + int((high - low) * r())) // 25 * 25)
            return None, outcome, value
        return None, None, None

    def _emit(
        self,
        batch: Batch,
        sender: CastMember,
        receiver: CastMember,
        client: list,
        timeline: Timeline,
        times: Times,
        priority: int,
        texts: tuple[str, str, str | None],
        *,
        reason: str | None = None,
        suggested: CastMember | None = None,
        forwarded_from: int | None = None,
        created_by: int | None = None,
    ) -> int:
        status = timeline.status
        referral_id = self.ids.referral
        self.ids.referral += 1
        if created_by is None:
            created_by = sender.user_id
        status_reason, outcome, value = self._outcome(timeline, receiver, reason)
        code = None  # a forward (reason given) and an expiry carry no code
        if status == DECLINED and reason is None:
            code = DECLINE_CODES[int(self.r() * len(DECLINE_CODES))]
        elif status == CANCELLED:
            codes = CANCEL_CODES
            code = NO_SHOW_CODE if timeline.no_show_cancel else codes[int(self.r() * len(codes))]
        if status == DECLINED and suggested is None and self.r() < SUGGEST_SHARE:
            suggested = self._colleague(receiver, avoid=(receiver.index, sender.index))

        # One datetime per step; the referral's columns reuse the same objects.
        fromts = datetime.fromtimestamp
        at: dict[str, datetime] = {}
        question = None
        asked = 0
        events = batch.events
        event_id = self.ids.event
        for (action, from_status, to_status, _offset, side), ts in zip(
            timeline.steps, times.steps, strict=True
        ):
            when = fromts(ts, UTC)
            at[action] = when
            if action == SEND:
                actor = created_by
            elif side == RECEIVER:
                actor = receiver.user_id
            else:  # the sender cancels; the system expires
                actor = sender.user_id if action == CANCEL else None
            note = None
            if action in REASON_ACTIONS or to_status == CANCELLED:
                note = status_reason
            elif action == CLOSE:
                note = outcome
            elif action == REQUEST_INFO:
                asked = int(self.r() * len(QUESTIONS))
                note = question = QUESTIONS[asked]
            elif action == PROVIDE_INFO:
                note = ANSWERS[asked]
            elif action == INTERIM_REPORT:
                note = INTERIM_NOTE
            elif action == REOPEN:
                note = REOPEN_REASON
            elif forwarded_from is not None and action == SEND:
                note = f"Forwarded from referral #{forwarded_from}"
            coded = code if to_status in (DECLINED, CANCELLED) else None
            events.append(
                (event_id, referral_id, actor, action, from_status, to_status, note, when, coded)
            )
            event_id += 1
        self.ids.event = event_id

        appointment_at = scheduled_at = None
        if times.appointment is not None:  # a missed appointment is cleared, as the service does
            appointment_at = fromts(times.appointment, UTC)
            scheduled_at = at[SCHEDULE]
        cancelled_at = at.get(CANCEL)
        if cancelled_at is None and timeline.no_show_cancel:
            cancelled_at = at[NO_SHOW]
        # An open question stays on the referral (and on one cancelled while it was open).
        info_requested_at = info_question = None
        if REQUEST_INFO in at and PROVIDE_INFO not in at:
            info_requested_at, info_question = at[REQUEST_INFO], question
        sender_wait = 0
        if PROVIDE_INFO in at:
            sender_wait = int((at[PROVIDE_INFO] - at[REQUEST_INFO]).total_seconds())
        service, referral_reason, notes = texts
        batch.referrals.append(
            (
                referral_id, self.cast.network_id, sender.id, receiver.id, client[0], created_by,
                forwarded_from, None if suggested is None else suggested.id, self.kind,
                PRIORITIES[priority], status, referral_reason, service, notes,
                at[SEND], at.get(ACCEPT), at.get(DECLINE) or at.get(FORWARD),
                scheduled_at, appointment_at, at.get(RECORD_VISIT), at.get(CLOSE),
                cancelled_at, at.get(EXPIRE), events[-1][7],
                status_reason, outcome, value, self._valid_until_from(times.visit_day),
                len(timeline.steps), info_requested_at, info_question, sender_wait, code,
            )
        )  # fmt: skip
        return referral_id

    def _valid_until_from(self, visit_day: date | None) -> date | None:
        """Valid for the network's months from the day of the first visit."""
        if visit_day is None:
            return None
        found = self._valid_until.get(visit_day)
        if found is None:
            found = add_months(visit_day, self.catalogue.validity_months)
            self._valid_until[visit_day] = found
        return found
