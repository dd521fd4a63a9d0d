"""Business days, deadlines and the SQL bound of the network's follow-up rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from app.followup.rules import rules_of
from app.models.network import default_deadlines


def _rules(timezone="UTC", country=None, **deadlines):
    stored = {**default_deadlines(), "holiday_country": country, **deadlines}
    network = SimpleNamespace(
        id=1,
        timezone=timezone,
        deadlines=stored,
        escalate_after_reminders=2,
        expire_after_days=30,
    )
    return rules_of(network)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_business_days_skip_weekends():
    rules = _rules()
    assert rules.add_business_days(at("2027-01-08 10:00"), 1) == at("2027-01-11 10:00")  # Fri
    assert rules.add_business_days(at("2027-01-04 10:00"), 5) == at("2027-01-11 10:00")
    # From a Saturday the clock starts on Monday morning.
    assert rules.add_business_days(at("2027-01-09 10:00"), 1) == at("2027-01-12 00:00")


def test_public_holidays_of_the_network_country_are_skipped():
    plain, french = _rules(), _rules(country="FR")
    thursday = at("2026-12-31 10:00")
    assert plain.add_business_days(thursday, 1) == at("2027-01-01 10:00")
    assert french.add_business_days(thursday, 1) == at("2027-01-04 10:00")  # New Year's Day
    # Easter Monday 2027 (29 March) is a holiday in France.
    assert french.add_business_days(at("2027-03-26 10:00"), 1) == at("2027-03-30 10:00")


def test_business_days_are_counted_in_the_network_timezone():
    rules = _rules(timezone="Pacific/Auckland")
    # Friday 23:00 UTC is Saturday 12:00 in Auckland: the clock starts on Monday there.
    friday_utc = at("2027-01-08 23:00")
    assert rules.add_business_days(friday_utc, 1) == at("2027-01-11 11:00")  # Tue 00:00 NZDT


def test_default_deadlines_per_stage_and_priority():
    rules, sent = _rules(), at("2027-01-04 09:00")
    assert rules.deadline("answer", "stat", sent) == sent + timedelta(hours=4)
    assert rules.deadline("answer", "asap", sent) == at("2027-01-05 09:00")
    assert rules.deadline("answer", "urgent", sent) == at("2027-01-06 09:00")
    assert rules.deadline("answer", "routine", sent) == at("2027-01-11 09:00")
    assert rules.deadline("visit", "urgent", sent) == sent + timedelta(days=7)
    assert rules.deadline("outcome", "routine", sent) == sent + timedelta(days=7)
    assert rules.expires_at(sent) == sent + timedelta(days=30)


@settings(max_examples=300, deadline=None)
@given(
    start_minutes=st.integers(0, 60 * 24 * 40),
    now_minutes=st.integers(0, 60 * 24 * 40),
    spec=st.sampled_from([{"business_days": 1}, {"business_days": 5}, {"hours": 4}, {"days": 3}]),
    after=st.integers(0, 6),
    timezone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
)
def test_the_sql_bound_agrees_with_the_deadline(start_minutes, now_minutes, spec, after, timezone):
    """started <= due_cutoff(now, after) exactly when the deadline plus `after` business
    days (a later reminder step) has passed at `now`."""
    rules = _rules(timezone=timezone, country="FR", respond={"routine": spec})
    origin = at("2026-12-20 00:00")
    started = origin + timedelta(minutes=start_minutes)
    now = origin + timedelta(minutes=now_minutes)
    step = rules.add_business_days(rules.deadline("answer", "routine", started), after)
    assert (started <= rules.due_cutoff("answer", "routine", now, after)) == (step <= now)
