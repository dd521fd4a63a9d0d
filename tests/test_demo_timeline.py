"""The demo's timelines walk the transition table: every step is one of its rows.

app/demo/timeline.py plans each generated referral's steps for speed, as plain tuples; this
holds every step it can plan (all statuses, all priorities, several seeds, and the declined
parent of a forwarded referral) to TRANSITIONS: the action's row starts from the step's
status, ends in its target or alternative, and is taken by one of the row's parties.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.demo.timeline import (
    DAY,
    PRIORITIES,
    RECEIVER,
    SENDER,
    STATUSES,
    SYSTEM,
    TimelinePlanner,
    forwarded_parent,
)
from app.models import Status
from app.referrals.states import TRANSITIONS, Action, Party

SIDES = {SENDER: Party.SENDER, RECEIVER: Party.RECEIVER, SYSTEM: Party.SYSTEM}
ANCHOR_TS = 1_773_532_800  # 2026-03-15 00:00 UTC
PLANS_EACH = 40  # per status, priority and seed: enough to take every random branch


def _steps_problems(timeline) -> list[str]:
    """Why this timeline's steps are not a walk through the transition table."""
    problems = []
    first, *rest = timeline.steps
    if first[:3] != ("send", None, Status.SENT) or first[3] != 0 or first[4] != SENDER:
        problems.append(f"does not start with a send by the sender: {first}")
    previous = first
    for step in rest:
        action, from_status, to_status, offset, side = step
        try:
            transition = TRANSITIONS[Action(action)]
        except ValueError:
            problems.append(f"{action!r} is no action of the table")
            continue
        if from_status != previous[2]:
            problems.append(f"{step} does not start where {previous} ended")
        if from_status not in transition.sources:
            problems.append(f"{action} cannot start from {from_status}")
        if to_status not in transition.outcomes:
            problems.append(f"{action} cannot end in {to_status}")
        if SIDES[side] not in transition.parties:
            problems.append(f"{action} is not taken by the {SIDES[side].value}")
        if offset < previous[3]:
            problems.append(f"{step} comes before {previous}")
        previous = step
    if previous[2] != timeline.status:
        problems.append(f"ends in {previous[2]}, not in {timeline.status}")
    return problems


@pytest.mark.parametrize("seed", [1, 19, 2026])
def test_every_planned_step_is_a_row_of_the_transition_table(seed):
    planner = TimelinePlanner(random.Random(seed).random, ANCHOR_TS, expire_after_days=14)
    taken: Counter = Counter()
    for status in STATUSES:
        for priority in range(len(PRIORITIES)):
            for _ in range(PLANS_EACH):
                timeline = planner.plan(status, priority)
                assert not _steps_problems(timeline), (status, priority, timeline.steps)
                taken.update((step[0], step[2]) for step in timeline.steps)
    parent = forwarded_parent(respond=3 * DAY)
    assert not _steps_problems(parent), parent.steps
    taken.update((step[0], step[2]) for step in parent.steps)

    # Between them, the plans take every row of the table, to each of its outcomes.
    # (A row whose target is found from the referral: at least one of its outcomes.)
    named = [t for t in TRANSITIONS.values() if t.target in Status]
    outcomes = {(t.action.value, s) for t in named for s in t.outcomes}
    assert outcomes <= set(taken), sorted(outcomes - set(taken))
    assert {t.action.value for t in TRANSITIONS.values()} <= {action for action, _ in taken}
    assert set(STATUSES) == {s.value for s in Status}
