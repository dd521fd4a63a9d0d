"""From planned offsets to the times people keep.

Planned durations ignore the clock; here people act in the daytime, appointments are in the
morning, and a visit is stored as noon of its day in the network's timezone, as the
referral service records it (`app.fields.local_noon`). Every step stays strictly
after the one before it, and an appointment comes before what follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.demo.timeline import (
    ACCEPTED,
    DAY,
    HOUR,
    MINUTE,
    NO_SHOW,
    RECORD_VISIT,
    RESCHEDULE,
    SCHEDULE,
    SYSTEM,
    Timeline,
)
from app.fields import local_noon

WORKDAY_START = 7 * HOUR + 30 * MINUTE
WORKDAY_LENGTH = 10 * HOUR + 30 * MINUTE
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def working_hours(ts: int) -> int:
    """Squeeze a day into its working hours: strictly increasing, and the day stays the same.

    Order is kept, so a timeline stays consistent, and a time before the anchor (a midnight)
    stays before it.
    """
    tod = ts % DAY
    return ts - tod + WORKDAY_START + tod * WORKDAY_LENGTH // DAY


@dataclass(slots=True)
class Times:
    planned_sent: int  # the send time the plan was placed at (after any move back)
    steps: list[int]  # epoch seconds of each step
    appointment: int | None  # the standing appointment; None once missed
    visit_day: date | None  # the local day of the visit


class Clock:
    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self._noon: dict[int, tuple[int, date]] = {}

    def noon(self, ts: int) -> tuple[int, date]:
        """Noon, in the network's timezone, of the day `ts` falls on; and that day."""
        day = ts // DAY
        found = self._noon.get(day)
        if found is None:
            local_day = date.fromordinal(EPOCH_ORDINAL + day)
            found = (int(local_noon(local_day, self.timezone).timestamp()), local_day)
            self._noon[day] = found
        return found

    def times(self, timeline: Timeline, sent_ts: int, latest: int) -> Times:
        """The timeline's times from `sent_ts`, moved back by days until none passes `latest`."""
        while True:
            times = self._times(timeline, sent_ts)
            if times.steps[-1] <= latest:
                return times
            sent_ts -= DAY

    def _times(self, timeline: Timeline, sent_ts: int) -> Times:
        out: list[int] = []
        appointments = iter(timeline.appointments)
        appointment: int | None = None
        visit_day: date | None = None
        previous = -1
        # How far a visit or a missed appointment moved things on; later steps follow suit.
        drift = 0
        for action, _from, to_status, offset, side in timeline.steps:
            planned = sent_ts + offset
            ts = planned + drift
            if side == SYSTEM:  # the system keeps no hours, and counts from the actual send
                ts = out[0] + offset
            elif action == RECORD_VISIT:
                if appointment is not None:
                    ts = appointment
                ts, visit_day = self.noon(ts)
                if ts <= previous:
                    ts, visit_day = self.noon(ts + DAY)
                drift = max(drift, ts - planned)
            elif action == NO_SHOW:
                ts = max(working_hours(ts), appointment + HOUR)
                drift = max(drift, ts - planned)
            else:
                ts = working_hours(ts)
            if ts <= previous:
                ts = previous + MINUTE
            out.append(ts)
            previous = ts
            if action in (SCHEDULE, RESCHEDULE):
                appointment = self._morning(sent_ts + next(appointments) + drift, ts)
            elif action == NO_SHOW and to_status == ACCEPTED:
                appointment = None  # the service clears a missed appointment
        return Times(sent_ts, out, appointment, visit_day)

    def _morning(self, planned: int, scheduled: int) -> int:
        """Between 08:00 and 11:30 local on the planned day, or the next day if that is past."""
        noon, _ = self.noon(planned)
        at = noon - 4 * HOUR + (planned % DAY) * (3 * HOUR + 30 * MINUTE) // DAY
        if at <= scheduled + 30 * MINUTE:
            noon, _ = self.noon(planned + DAY)
            at = noon - 4 * HOUR + (planned % DAY) * (3 * HOUR + 30 * MINUTE) // DAY
        return at
