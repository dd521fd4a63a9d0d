"""The life of one generated referral: its steps through the state machine and their times.

Times are whole seconds. A timeline is planned relative to its send (offset 0), then placed
so that its last step lands in the past of the anchor: open referrals are recent, finished
ones are spread over the last year. Work in integers here; datetimes are made once, later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate

from app.models.enums import Priority, Status
from app.referrals.states import Action

MINUTE = 60
HOUR = 3600
DAY = 86400
YEAR = 365 * DAY

SENDER, RECEIVER, SYSTEM = 0, 1, 2

# The transition table's names, as the plain strings the rows are written with (a step is
# a tuple made a million times, and COPY writes it as it is). tests/test_demo_timeline.py
# holds every planned step to a row of TRANSITIONS.
SEND = "send"  # a referral's first step; no row of the table, which starts from a status
ACCEPT, DECLINE, FORWARD = Action.ACCEPT.value, Action.DECLINE.value, Action.FORWARD.value
CANCEL, EXPIRE, SCHEDULE = Action.CANCEL.value, Action.EXPIRE.value, Action.SCHEDULE.value
RECORD_VISIT, NO_SHOW, CLOSE = Action.RECORD_VISIT.value, Action.NO_SHOW.value, Action.CLOSE.value
RESCHEDULE = Action.RESCHEDULE.value
REQUEST_INFO, PROVIDE_INFO = Action.REQUEST_INFO.value, Action.PROVIDE_INFO.value
INTERIM_REPORT, REOPEN = Action.INTERIM_REPORT.value, Action.REOPEN.value
SENT, ACCEPTED, DECLINED = Status.SENT.value, Status.ACCEPTED.value, Status.DECLINED.value
SCHEDULED, VISITED, CLOSED = Status.SCHEDULED.value, Status.VISITED.value, Status.CLOSED.value
CANCELLED, EXPIRED = Status.CANCELLED.value, Status.EXPIRED.value
INFO_REQUESTED = Status.INFO_REQUESTED.value

PRIORITIES = tuple(p.value for p in Priority)  # routine, urgent, asap, stat
# Index into PRIORITIES, drawn by these weights per network kind.
PRIORITY_CUM = {
    "clinical": list(accumulate((78, 13, 7, 2))),
    "professional": list(accumulate((85, 11, 4, 0))),
}

STATUSES = (
    CLOSED, VISITED, SCHEDULED, ACCEPTED, SENT, DECLINED, CANCELLED, EXPIRED, INFO_REQUESTED,
)  # fmt: skip
STATUS_CUM = list(accumulate((40, 6, 7, 6, 8, 12, 14, 7, 3)))
# Of the referrals the receiver answers, those it first asked a question about.
ASK_SHARE = 0.1
INTERIM_SHARE = 0.1  # of visits, followed by an interim report (results pending)
REOPEN_SHARE = 0.04  # of closed referrals, reopened once (a result came late) and closed again
# Referrals touching a member that has left, or no longer accepts, ended long ago.
FINISHED = (CLOSED, DECLINED, CANCELLED, EXPIRED)
FINISHED_CUM = list(accumulate((55, 16, 18, 11)))
# A finished referral touching such a member had its last step at least this long ago.
OLD_LAST_STEP = 75 * DAY

# (low, high) seconds per priority index: routine, urgent, asap, stat.
RESPOND = (
    (4 * HOUR, 8 * DAY),
    (1 * HOUR, 3 * DAY),
    (30 * MINUTE, 36 * HOUR),
    (5 * MINUTE, 4 * HOUR),
)
LEAD = ((5 * DAY, 40 * DAY), (2 * DAY, 8 * DAY), (1 * DAY, 3 * DAY), (2 * HOUR, 24 * HOUR))
TO_SCHEDULE = (20 * MINUTE, 3 * DAY)
TO_RECORD_VISIT = (20 * MINUTE, 4 * HOUR)
TO_CLOSE = (1 * HOUR, 14 * DAY)
TO_CANCEL = (1 * HOUR, 10 * DAY)
TO_NO_SHOW = (1 * HOUR, 2 * DAY)
TO_ANSWER = (2 * HOUR, 4 * DAY)  # the sender's answer to the receiver's question
# How long ago an open referral reached its present status.
# At least SETTLE ago, leaving room for the clock (clock.py) to move steps into the daytime.
SETTLE = 2 * DAY
OPEN_LAST_STEP = {
    ACCEPTED: (SETTLE, 25 * DAY),
    SCHEDULED: (SETTLE, 21 * DAY),
    VISITED: (SETTLE, 12 * DAY),
    INFO_REQUESTED: (SETTLE, 10 * DAY),
}

# One step: (action, from_status, to_status, offset seconds from the send, acting side).
Step = tuple[str, str | None, str, int, int]


@dataclass(slots=True)
class Timeline:
    status: str
    steps: list[Step]
    # Offset of the appointment made by each schedule step, in order.
    appointments: list[int] = field(default_factory=list)
    # Set when the step to cancelled was a no-show rather than a cancel.
    no_show_cancel: bool = False

    @property
    def span(self) -> int:
        return self.steps[-1][3]

    @property
    def appointment(self) -> int:
        return self.appointments[-1]


def _between(r, bounds: tuple[int, int], skew: bool = True) -> int:
    """A duration within bounds, most of them short when `skew` (a long tail of slow ones)."""
    low, high = bounds
    x = r() * r() if skew else r()
    return low + int((high - low) * x)


class TimelinePlanner:
    """Plans timelines; `r` is the bound `random` method of the generator's Random."""

    def __init__(self, r, anchor_ts: int, expire_after_days: int) -> None:
        self.r = r
        self.anchor_ts = anchor_ts
        self.expire_after = expire_after_days * DAY

    def plan(self, status: str, priority: int) -> Timeline:
        r = self.r
        steps: list[Step] = [(SEND, None, SENT, 0, SENDER)]
        timeline = Timeline(status, steps)
        if status == SENT:
            return timeline
        if status == EXPIRED:
            steps.append((EXPIRE, SENT, EXPIRED, self.expire_after + int(r() * 900), SYSTEM))
            return timeline
        t = _between(r, RESPOND[priority])
        if status == INFO_REQUESTED:
            steps.append((REQUEST_INFO, SENT, INFO_REQUESTED, t, RECEIVER))
            return timeline
        if status == CANCELLED and r() < 0.1:  # the sender cancels instead of answering
            steps.append((REQUEST_INFO, SENT, INFO_REQUESTED, t, RECEIVER))
            t += _between(r, TO_ANSWER)
            steps.append((CANCEL, INFO_REQUESTED, CANCELLED, t, SENDER))
            return timeline
        if r() < ASK_SHARE:  # a question first, answered; then the receiver decides
            steps.append((REQUEST_INFO, SENT, INFO_REQUESTED, t, RECEIVER))
            t += _between(r, TO_ANSWER)
            steps.append((PROVIDE_INFO, INFO_REQUESTED, SENT, t, SENDER))
            t += _between(r, RESPOND[priority])
        if status == DECLINED:
            steps.append((DECLINE, SENT, DECLINED, t, RECEIVER))
            return timeline
        if status == CANCELLED and r() < 0.35:
            steps.append((CANCEL, SENT, CANCELLED, t, SENDER))
            return timeline
        steps.append((ACCEPT, SENT, ACCEPTED, t, RECEIVER))
        if status == ACCEPTED:
            if r() < 0.15:
                self._miss_appointment(timeline, t, priority, ACCEPTED)
            return timeline
        if status == CANCELLED:
            self._cancel_after_accept(timeline, t, priority)
            return timeline
        if status == SCHEDULED:
            t = self._schedule(timeline, t, priority)
            if r() < 0.1:
                t = self._reschedule(timeline, t, priority)
            elif r() < 0.12:
                t = self._miss_appointment(timeline, t, priority, ACCEPTED, scheduled=True)
                self._schedule(timeline, t, priority)
            return timeline
        # visited or closed
        if r() < 0.72:
            t = self._schedule(timeline, t, priority)
            if r() < 0.08:
                t = self._reschedule(timeline, t, priority)
            elif r() < 0.06:
                t = self._miss_appointment(timeline, t, priority, ACCEPTED, scheduled=True)
                t = self._schedule(timeline, t, priority)
            t = timeline.appointment + _between(r, TO_RECORD_VISIT, skew=False)
            steps.append((RECORD_VISIT, SCHEDULED, VISITED, t, RECEIVER))
        else:
            t += _between(r, LEAD[priority])
            steps.append((RECORD_VISIT, ACCEPTED, VISITED, t, RECEIVER))
        if r() < INTERIM_SHARE:
            t += _between(r, TO_RECORD_VISIT, skew=False)
            steps.append((INTERIM_REPORT, VISITED, VISITED, t, RECEIVER))
        if status == CLOSED:
            t += _between(r, TO_CLOSE)
            steps.append((CLOSE, VISITED, CLOSED, t, RECEIVER))
            if r() < REOPEN_SHARE:
                t += _between(r, TO_CLOSE)
                steps.append((REOPEN, CLOSED, VISITED, t, RECEIVER))
                t += _between(r, TO_CLOSE)
                steps.append((CLOSE, VISITED, CLOSED, t, RECEIVER))
        return timeline

    def _schedule(self, timeline: Timeline, t: int, priority: int) -> int:
        t += _between(self.r, TO_SCHEDULE)
        timeline.steps.append((SCHEDULE, ACCEPTED, SCHEDULED, t, RECEIVER))
        timeline.appointments.append(t + _between(self.r, LEAD[priority], skew=False))
        return t

    def _reschedule(self, timeline: Timeline, t: int, priority: int) -> int:
        """The appointment moves, some time before it comes, to a new one later on."""
        t += 1 + int((timeline.appointment - t) * self.r() * 0.5)
        timeline.steps.append((RESCHEDULE, SCHEDULED, SCHEDULED, t, RECEIVER))
        timeline.appointments.append(t + _between(self.r, LEAD[priority], skew=False))
        return t

    def _miss_appointment(
        self, timeline: Timeline, t: int, priority: int, to: str, scheduled: bool = False
    ) -> int:
        """The client did not come: back to accepted (to reschedule) or cancelled."""
        if not scheduled:
            t = self._schedule(timeline, t, priority)
        t = timeline.appointment + _between(self.r, TO_NO_SHOW)
        timeline.steps.append((NO_SHOW, SCHEDULED, to, t, RECEIVER))
        return t

    def _cancel_after_accept(self, timeline: Timeline, t: int, priority: int) -> None:
        r = self.r
        choice = r()
        if choice < 0.4:
            t += _between(r, TO_CANCEL)
            timeline.steps.append((CANCEL, ACCEPTED, CANCELLED, t, SENDER))
            return
        scheduled_at = self._schedule(timeline, t, priority)
        if choice < 0.75:
            # Cancelled before the appointment came.
            t = scheduled_at + int((timeline.appointment - scheduled_at) * r())
            timeline.steps.append((CANCEL, SCHEDULED, CANCELLED, max(t, scheduled_at + 1), SENDER))
            return
        self._miss_appointment(timeline, scheduled_at, priority, CANCELLED, scheduled=True)
        timeline.no_show_cancel = True

    def place(self, timeline: Timeline, old: bool) -> int:
        """The send time (epoch seconds) that puts this timeline in the anchor's past."""
        r = self.r
        span = timeline.span
        status = timeline.status
        if status == SENT:
            # Still waiting for an answer, so sent within the expiry window.
            days_ago = 1 + int(r() * (self.expire_after // DAY - 1))
            return self.anchor_ts - days_ago * DAY + int(r() * DAY)
        if status in OPEN_LAST_STEP:
            last_ago = _between(r, OPEN_LAST_STEP[status], skew=False)
        else:
            low = OLD_LAST_STEP if old else SETTLE
            last_ago = low + int(max(YEAR - span - low, 0) * r())
        return self.anchor_ts - last_ago - span


def forwarded_parent(respond: int) -> Timeline:
    """A referral its receiver forwarded to a colleague `respond` seconds after the send."""
    return Timeline(
        DECLINED, [(SEND, None, SENT, 0, SENDER), (FORWARD, SENT, DECLINED, respond, RECEIVER)]
    )
