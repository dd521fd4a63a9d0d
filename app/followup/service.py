"""Reading and changing a network's follow-up rules: admins and the network's coordinators."""

from __future__ import annotations

from zoneinfo import available_timezones

from app import fields as f
from app.audit.service import record
from app.auth.policy import manages_network, sees_network
from app.extensions import db
from app.followup.engine import sweep_soon
from app.followup.rules import (
    LIMITS,
    STAGE_LABELS,
    STAGES,
    UNITS,
    Rules,
    rules_of,
    stored_form,
    supported_countries,
)
from app.models import Network, Priority, User
from app.refusals import Forbidden, Invalid, NotFound

# The whole-number rules of a network, each with its label.
NUMBERS = {
    "remind_every_business_days": "Remind again every (business days)",
    "remind_at_most": "Reminders at most",
    "escalate_after_reminders": "Tell the coordinators after (reminders)",
    "expire_after_days": "Unanswered referrals expire after (days)",
}


def deadline_field(stage: str, priority: Priority | str, part: str) -> str:
    return f"{stage}_{Priority(priority).value}_{part}"


def network_for_rules(actor: User | None, network_id: int) -> Network:
    """The network whose rules `actor` may change; other networks do not exist for them."""
    network = db.session.get(Network, network_id)
    if network is None or not sees_network(actor, network_id):
        raise NotFound("There is no such network, or you do not have access to it.")
    if not manages_network(actor, network_id):
        raise Forbidden("Only the network's coordinators and admins change its rules.")
    return network


def rules_as_values(rules: Rules, network: Network) -> dict[str, str]:
    """The rules as the settings form shows them."""
    values = {
        "timezone": network.timezone,
        "holiday_country": rules.country or "",
        "remind_every_business_days": str(rules.remind_every),
        "remind_at_most": str(rules.remind_at_most),
        "escalate_after_reminders": str(rules.escalate_after),
        "expire_after_days": str(rules.expire_after_days),
    }
    for stage in STAGES:
        for priority in Priority:
            ((unit, amount),) = rules.spec(stage, priority).items()
            values[deadline_field(stage, priority, "amount")] = str(amount)
            values[deadline_field(stage, priority, "unit")] = unit
    return values


def _bounded(problems, name: str, value, label: str, bounds: tuple[int, int]) -> int | None:
    """A rule's whole number, typed in the form: plain digits within its bounds."""
    low, high = bounds
    return f.whole_number(problems, name, value, label=label, low=low, high=high, digits_only=True)


def update_rules(actor: User | None, network_id: int, values: dict) -> Network:
    """Check every value, then change the network's rules at once (audited); nothing is
    changed when one value is wrong (Invalid names each field)."""
    network = network_for_rules(actor, network_id)
    problems = f.FieldProblems()
    timezone = f.text(
        problems, "timezone", values.get("timezone"), label="Timezone", required=True, max_len=64
    )
    if timezone and timezone not in available_timezones():
        problems["timezone"] = "Timezone must be a name such as Europe/Paris or America/Chicago."
    country = f.text(
        problems,
        "holiday_country",
        values.get("holiday_country"),
        label="Country",
        required=False,
        max_len=3,
    )
    country = country.upper() if country else None
    if country and country not in supported_countries():
        problems["holiday_country"] = (
            "Country must be a two-letter code such as FR, GB or US, or empty for weekends only."
        )
    numbers = {
        name: _bounded(problems, name, values.get(name), label, LIMITS[name])
        for name, label in NUMBERS.items()
    }
    deadlines: dict[str, dict[str, dict[str, int]]] = {}
    for stage in STAGES:
        deadlines[stage] = {}
        for priority in Priority:
            unit_name = deadline_field(stage, priority, "unit")
            amount_name = deadline_field(stage, priority, "amount")
            label = f"The {priority.value} deadline for {STAGE_LABELS[stage]}"
            unit = values.get(unit_name)
            if unit not in UNITS:
                problems[unit_name] = f"{label} needs a unit: hours, days or business days."
                continue
            amount = _bounded(problems, amount_name, values.get(amount_name), label, LIMITS[unit])
            if amount is not None:
                deadlines[stage][priority.value] = {unit: amount}
    if problems:
        raise Invalid("The rules were not saved. Check the fields marked below.", problems)

    before = rules_as_values(rules_of(network), network)
    network.timezone = timezone
    network.expire_after_days = numbers["expire_after_days"]
    network.escalate_after_reminders = numbers["escalate_after_reminders"]
    network.deadlines = stored_form(
        deadlines, numbers["remind_every_business_days"], numbers["remind_at_most"], country
    )
    after = rules_as_values(rules_of(network), network)
    changed = sorted(name for name in after if after[name] != before[name])
    sweep_soon()  # deadlines moved: the next tick looks at every overdue referral
    db.session.flush()
    record(
        "update-rules",
        "network",
        network.id,
        user=actor,
        detail=", ".join(f"{n}: {before[n]} -> {after[n]}" for n in changed) or "no change",
    )
    return network
