"""Member health at a glance: green, amber or red over the last months, with the reasons.

The rule (docs/reports.md) reads four figures of the member over the last `months` months:
given, give-share (given against received), median hours to answer, and closed-loop rate
(closed of received). Each threshold has an amber and a red level; a member is red when
any figure crosses a red level, amber when any crosses an amber level, else green. The
share and the closed-loop rate are judged only once the member received `min_received`;
the answer time only once it answered one. The levels are set per network
(`network.health_rule`; None: DEFAULT_RULE) and validated by `validated_rule`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app import fields as f
from app.fields import add_months
from app.models import Network
from app.refusals import Invalid
from app.reports.members import MemberFigures

GREEN, AMBER, RED = "green", "amber", "red"
ORDER = {RED: 0, AMBER: 1, GREEN: 2}

DEFAULT_RULE: dict[str, Any] = {
    "months": 6,
    "min_received": 3,
    # Fewer referrals given than this: amber / red.
    "given": {"amber": 3, "red": 1},
    # give_share below this (given / (given + received)): amber / red.
    "give_share": {"amber": 0.25, "red": 0.1},
    # Median hours to answer above this: amber / red.
    "answer_hours": {"amber": 48, "red": 120},
    # Closed-loop rate below this (closed / received): amber / red.
    "closed_loop": {"amber": 0.5, "red": 0.2},
}
# For each threshold: (lowest, highest) allowed, and whether amber must be ≥ red (a "fewer
# than" level) or ≤ red (a "more than" level).
BOUNDS = {
    "given": (0, 1000, "below"),
    "give_share": (0.0, 1.0, "below"),
    "answer_hours": (0, 24 * 365, "above"),
    "closed_loop": (0.0, 1.0, "below"),
}


def rule_of(network: Network) -> dict[str, Any]:
    return copy.deepcopy(network.health_rule or DEFAULT_RULE)


def validated_rule(rule: object) -> dict[str, Any]:
    """A complete rule from what was given (missing parts from the defaults), or Invalid."""
    if not isinstance(rule, dict):
        raise Invalid("The health rule must be an object.", {"health_rule": "Give an object."})
    problems: dict[str, str] = {}
    unknown = set(rule) - set(DEFAULT_RULE)
    for name in sorted(unknown):
        problems[name] = f"{name} is not part of the health rule."
    out = copy.deepcopy(DEFAULT_RULE)
    for name in ("months", "min_received"):
        if name in rule:
            value = rule[name]
            top = 24 if name == "months" else 1000
            low = 1 if name == "months" else 0
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
                problems[name] = f"{name} must be a whole number from {low} to {top}."
            else:
                out[name] = value
    for name, (low, high, direction) in BOUNDS.items():
        if name not in rule:
            continue
        levels = rule[name]
        if not isinstance(levels, dict) or set(levels) != {"amber", "red"}:
            problems[name] = f"{name} must give an amber and a red level."
            continue
        numbers = {}
        for level, value in levels.items():
            wrong = isinstance(value, bool) or not isinstance(value, int | float)
            if wrong or not low <= value <= high:
                problems[f"{name}.{level}"] = f"{name} {level} must be from {low} to {high}."
            else:
                numbers[level] = value
        if len(numbers) == 2:
            if direction == "below" and numbers["amber"] < numbers["red"]:
                problems[name] = f"{name}: amber must be at least red (fewer is worse)."
            elif direction == "above" and numbers["amber"] > numbers["red"]:
                problems[name] = f"{name}: amber must be at most red (more is worse)."
            else:
                out[name] = numbers
    if problems:
        raise Invalid("The health rule has mistakes.", problems)
    return out


# The settings form's fields: (field, path in the rule, whole number?).
FORM_FIELDS = (
    ("months", ("months",), True),
    ("min_received", ("min_received",), True),
    *(
        (f"{name}_{level}", (name, level), name in ("given", "answer_hours"))
        for name in BOUNDS
        for level in ("amber", "red")
    ),
)


def rule_from_form(values: dict[str, Any]) -> dict[str, Any]:
    """A complete rule from the settings form's texts, or Invalid naming each form field
    (a level that the rule refuses is named on its amber field)."""
    problems = f.FieldProblems()
    rule: dict[str, Any] = {}
    for name, path, whole in FORM_FIELDS:
        got = f.number(problems, name, values.get(name), label=LABELS[path[0]], whole=whole)
        if got is None:
            continue
        if len(path) == 2:
            rule.setdefault(path[0], {})[path[1]] = got
        else:
            rule[name] = got
    if problems:
        raise Invalid("The health thresholds have mistakes.", dict(problems))
    try:
        return validated_rule(rule)
    except Invalid as exc:
        named = {}
        for key, message in exc.fields.items():
            field_name = key.replace(".", "_") if "." in key else key
            if field_name in BOUNDS:
                field_name = f"{field_name}_amber"
            named[field_name] = message
        raise Invalid(exc.message, named) from exc


def form_values(rule: dict[str, Any]) -> dict[str, str]:
    """The rule as the settings form shows it."""
    out = {}
    for name, path, _whole in FORM_FIELDS:
        value = rule[path[0]] if len(path) == 1 else rule[path[0]][path[1]]
        out[name] = str(value)
    return out


LABELS = {
    "months": "Months",
    "min_received": "Referrals received",
    "given": "Given",
    "give_share": "Give-share",
    "answer_hours": "Hours to answer",
    "closed_loop": "Closed-loop rate",
}


@dataclass
class Health:
    member_id: int
    light: str = GREEN
    reasons: list[str] = field(default_factory=list)

    def as_row(self) -> dict:
        return {
            "member_id": self.member_id,
            "health": self.light,
            "reasons": "; ".join(self.reasons),
        }


def _judge(health: Health, level: str | None, reason: str) -> None:
    if level is None:
        return
    health.reasons.append(f"{reason} ({level})")
    if ORDER[level] < ORDER[health.light]:
        health.light = level


def _below(value, levels) -> str | None:
    if value < levels["red"]:
        return RED
    if value < levels["amber"]:
        return AMBER
    return None


def _above(value, levels) -> str | None:
    if value > levels["red"]:
        return RED
    if value > levels["amber"]:
        return AMBER
    return None


def health_of(figures: MemberFigures, rule: dict[str, Any]) -> Health:
    """The light of one member from its figures over the rule's months."""
    health = Health(figures.member_id)
    _judge(health, _below(figures.given, rule["given"]), f"gave {figures.given}")
    if figures.received >= rule["min_received"]:
        share = figures.give_share or 0.0
        _judge(
            health,
            _below(share, rule["give_share"]),
            f"gave {figures.given} for {figures.received} received",
        )
        loop = figures.closed_loop_rate or 0.0
        _judge(
            health,
            _below(loop, rule["closed_loop"]),
            f"closed the loop on {figures.closed} of {figures.received} received",
        )
    answer = figures.median_hours_to_answer
    if answer is not None:
        _judge(health, _above(answer, rule["answer_hours"]), f"answers in {answer:.0f} h (median)")
    return health


def health_days(rule: dict[str, Any], today: date) -> tuple[date, date]:
    """The rule's window: the last `months` months up to today, both days whole."""
    return add_months(today, -rule["months"]) + timedelta(days=1), today
