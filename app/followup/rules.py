"""A network's follow-up rules, read in one place: deadlines, reminder cadence, escalation,
expiry, business days (weekends and the country's public holidays, in the network's timezone).

Every page that says "overdue" or "unanswered", the reminder engine and the worklist ask this
module; nobody reads `Network.deadlines` or counts days on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement

from app.models import Network, Priority, Referral, Status
from app.models.network import default_deadlines

# A referral waits on one side at each stage; the reminder key names the stage.
ANSWER, VISIT, OUTCOME = "answer", "visit", "outcome"
STAGES = (ANSWER, VISIT, OUTCOME)
# The key of each stage in Network.deadlines (named before the stages were).
DEADLINE_KEYS = {ANSWER: "respond", VISIT: "visit", OUTCOME: "close"}
# Which statuses wait at each stage. An `info_requested` referral waits on its sender: it is
# in no stage (no reminder), and its answer clock is paused (see answer_clock below).
STAGE_STATUSES = {
    ANSWER: (Status.SENT,),
    VISIT: (Status.ACCEPTED, Status.SCHEDULED),
    OUTCOME: (Status.VISITED,),
}
STAGE_LABELS = {ANSWER: "an answer", VISIT: "the visit", OUTCOME: "the outcome"}
UNITS = ("hours", "days", "business_days")
UNIT_LABELS = {"hours": "hours", "days": "days", "business_days": "business days"}

DEFAULT_EVERY = 2
DEFAULT_AT_MOST = 3
LIMITS = {
    "hours": (1, 24 * 30),
    "days": (1, 365),
    "business_days": (1, 120),
    "remind_every_business_days": (1, 30),
    "remind_at_most": (1, 10),
    "escalate_after_reminders": (1, 10),
    "expire_after_days": (1, 365),
}


def escalation_stage(stage: str) -> str:
    return f"{stage}-escalation"


# -- the answer clock -------------------------------------------------------------------------


def answer_clock_started() -> ColumnElement:
    """SQL: the earliest moment the referral can have begun to wait for its answer.

    THE one place for the answer clock (with answer_clock below). The clock pauses while the
    referral waits on its sender (`info_requested`, app/referrals/answer_clock.py): each
    provide-info adds that time to `sender_wait_seconds`. The SQL bound stays `sent_at` (an
    index range; a referral that never waited is exact), which finds a superset: the engine
    then adds the pause in Python (answer_clock) before anything is sent or expired, and the
    hourly sweep catches a referral whose paused deadline fell due between two narrow scans.
    """
    return Referral.sent_at


def answer_clock(referral) -> tuple[datetime, timedelta]:
    """(when the answer clock started, how long it was paused) for one referral."""
    return referral.sent_at, timedelta(seconds=referral.sender_wait_seconds or 0)


def stage_started(stage: str) -> ColumnElement:
    """SQL: when the referral began to wait at this stage."""
    if stage == ANSWER:
        return answer_clock_started()
    return Referral.accepted_at if stage == VISIT else Referral.visited_at


def stage_of(status: Status) -> str | None:
    return next((s for s, statuses in STAGE_STATUSES.items() if status in statuses), None)


# -- business days ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays  # a large package: loaded on first use, not by every `flask` command

    return frozenset(holidays.country_holidays(country, years=year).keys())


def supported_countries() -> list[str]:
    import holidays

    return sorted(holidays.list_supported_countries())


def is_business_day(day: date, country: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return not country or day not in _holidays(country, day.year)


# -- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    network_id: int
    timezone: ZoneInfo
    country: str | None
    # stage -> priority -> {"hours"|"days"|"business_days": n}
    deadlines: dict[str, dict[str, dict[str, int]]]
    remind_every: int
    remind_at_most: int
    escalate_after: int
    expire_after_days: int

    def _next_business_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not is_business_day(day, self.country):
            day += timedelta(days=1)
        return day

    def _business_days_before(self, day: date, n: int) -> date:
        counted = 0
        while counted < n:
            day -= timedelta(days=1)
            counted += is_business_day(day, self.country)
        return day

    def add_business_days(self, moment: datetime, days: int) -> datetime:
        """`days` business days after `moment`, at the same local time of day.

        A moment on a weekend or holiday counts from the start of the next business day
        (sent on Saturday, 1 business day: Tuesday 00:00), so that a later start never has
        an earlier deadline, which lets SQL find the due ones with one bound (`due_cutoff`).
        """
        if days == 0:
            return moment
        local = moment.astimezone(self.timezone).replace(tzinfo=None)
        if not is_business_day(local.date(), self.country):
            local = datetime.combine(self._next_business_day(local.date()), time())
        day = local.date()
        for _ in range(days):
            day = self._next_business_day(day)
        later = datetime.combine(day, local.time(), self.timezone)
        return later.astimezone(moment.tzinfo)

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Whole business days from `start` to `end` (0 when end is not later)."""
        first = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        return sum(
            1
            for n in range(1, (last - first).days + 1)
            if is_business_day(first + timedelta(days=n), self.country)
        )

    def spec(self, stage: str, priority: Priority | str) -> dict[str, int]:
        return self.deadlines[stage][Priority(priority).value]

    def deadline(self, stage: str, priority, started: datetime, paused=timedelta(0)) -> datetime:
        ((unit, amount),) = self.spec(stage, priority).items()
        if unit == "business_days":
            return self.add_business_days(started, amount) + paused
        return started + timedelta(**{unit: amount}) + paused

    def business_cutoff(self, now: datetime, days: int) -> datetime:
        """The latest moment m with add_business_days(m, days) <= now."""
        if days == 0:
            return now
        local = now.astimezone(self.timezone)
        today = local.date()
        if is_business_day(today, self.country):
            day = self._business_days_before(today, days)
            cutoff = datetime.combine(day, local.time().replace(tzinfo=None), self.timezone)
        else:  # business-day deadlines fall on business days: those up to the last one passed
            last = self._business_days_before(today, 1)
            day = self._business_days_before(last, days)
            cutoff = datetime.combine(day + timedelta(days=1), time(), self.timezone)
            cutoff -= timedelta(microseconds=1)
        return cutoff.astimezone(now.tzinfo)

    def due_cutoff(self, stage: str, priority, now: datetime, after: int = 0) -> datetime:
        """The latest stage start whose deadline (plus `after` business days: a later
        reminder step) has passed at `now`: a referral is overdue exactly when its clock
        started at or before this moment. The SQL bound of every overdue count, list and
        scan; the clock's pauses are in the clock's own expression (`answer_clock_started`).
        """
        ((unit, amount),) = self.spec(stage, priority).items()
        if unit == "business_days":
            return self.business_cutoff(now, amount + after)
        return self.business_cutoff(now, after) - timedelta(**{unit: amount})

    def step_offsets(self) -> list[int]:
        """Business days after the deadline at which a reminder step or the escalation falls."""
        steps = {k * self.remind_every for k in range(self.remind_at_most)}
        return sorted(steps | {self.escalate_after * self.remind_every})

    def longest_span(self, stage: str, priority) -> timedelta:
        """A span after the stage start that no reminder or escalation is due later than."""
        ((unit, amount),) = self.spec(stage, priority).items()
        steps = max(self.remind_at_most - 1, self.escalate_after) * self.remind_every
        business = steps + (amount if unit == "business_days" else 0)
        calendar = timedelta(days=-(-business * 7 // 5) + 14)  # weekends, and a holiday week
        if unit == "hours":
            return calendar + timedelta(hours=amount)
        return calendar + (timedelta(days=amount) if unit == "days" else timedelta(0))

    def step_due(self, deadline: datetime, step: int) -> datetime:
        """Reminder `step` (0-based): the first at the deadline, then every N business days."""
        return self.add_business_days(deadline, step * self.remind_every)

    def escalation_due(self, deadline: datetime) -> datetime:
        """After K reminders went unheeded for one interval, the coordinators are told."""
        return self.step_due(deadline, self.escalate_after)

    def expires_at(self, sent_at: datetime, paused=timedelta(0)) -> datetime:
        return sent_at + timedelta(days=self.expire_after_days) + paused

    def describe(self, stage: str, priority) -> str:
        ((unit, amount),) = self.spec(stage, priority).items()
        return f"{amount} {UNIT_LABELS[unit]}" if amount != 1 else f"1 {UNIT_LABELS[unit][:-1]}"


def _normalized(stage: str, raw: Any, fallback: dict) -> dict[str, dict[str, int]]:
    """A stage's deadlines per priority; one spec for every priority is spread out."""
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in UNITS:
        raw = {p.value: raw for p in Priority}
    out = {}
    for priority in Priority:
        spec = raw.get(priority.value) if isinstance(raw, dict) else None
        if not (isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in UNITS):
            spec = fallback[priority.value]
        out[priority.value] = dict(spec)
    return out


def _defaults() -> dict[str, dict[str, dict[str, int]]]:
    raw = default_deadlines()
    return {
        stage: _normalized(stage, raw[key], {p.value: raw[key] for p in Priority})
        if stage == OUTCOME
        else {p.value: dict(raw[key][p.value]) for p in Priority}
        for stage, key in DEADLINE_KEYS.items()
    }


def rules_of(network: Network) -> Rules:
    """The network's rules, with refnet's defaults wherever the network says nothing."""
    stored = network.deadlines or {}
    defaults = _defaults()
    deadlines = {
        stage: _normalized(stage, stored.get(key), defaults[stage])
        for stage, key in DEADLINE_KEYS.items()
    }
    return Rules(
        network_id=network.id,
        timezone=ZoneInfo(network.timezone or "UTC"),
        country=stored.get("holiday_country") or None,
        deadlines=deadlines,
        remind_every=int(stored.get("remind_every_business_days") or DEFAULT_EVERY),
        remind_at_most=int(stored.get("remind_at_most") or DEFAULT_AT_MOST),
        escalate_after=network.escalate_after_reminders or 2,
        expire_after_days=network.expire_after_days or 30,
    )


def stored_form(rules_deadlines: dict, every: int, at_most: int, country: str | None) -> dict:
    """What `Network.deadlines` holds for these rules."""
    return {
        **{DEADLINE_KEYS[stage]: per for stage, per in rules_deadlines.items()},
        "remind_every_business_days": every,
        "remind_at_most": at_most,
        "holiday_country": country,
    }
