"""What a referral is in each status: its label, and the stage fields it must and may carry.

One row per status, beside the transition table (states.py). The referral table's CHECK
constraints are generated from it (app/models/referral.py), pages and messages read its
labels, and the state-machine tests hold every row they reach against it.

app/models/referral.py imports this module while the models load, so it imports nothing
but the enums: never app.models itself, nor anything that imports the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import Status

# Columns that belong to a stage of the workflow: NULL unless the status may carry them.
STAGE_FIELDS = (
    "accepted_at",
    "declined_at",
    "scheduled_at",
    "appointment_at",
    "visited_at",
    "closed_at",
    "cancelled_at",
    "expired_at",
    "info_requested_at",
    "info_question",
    "valid_until",
    "status_reason",
    "reason_code",
    "outcome",
    "business_value",
    "suggested_member_id",
)


@dataclass(frozen=True)
class StatusRule:
    label: str
    # Stage fields every referral in this status has filled in.
    must: frozenset[str]
    # Stage fields a referral in this status may have filled in (`must` included); every
    # other stage field is NULL.
    may: frozenset[str]


def _rule(label: str, must=(), also=()) -> StatusRule:
    """`also`: what the status may carry besides what it must."""
    return StatusRule(label, frozenset(must), frozenset(must) | frozenset(also))


S = Status
_APPOINTMENT = ("scheduled_at", "appointment_at")  # kept once a visit happens or is cancelled
_VISIT = ("accepted_at", "visited_at", "valid_until")  # validity starts at the first visit
_QUESTION = ("info_requested_at", "info_question")  # the receiver's open question

STATUS_RULES: dict[Status, StatusRule] = {
    S.SENT: _rule("Waiting for answer"),
    # The receiver asked the sender for more; the sender's answer takes it back to sent.
    S.INFO_REQUESTED: _rule("Information requested", must=_QUESTION),
    S.ACCEPTED: _rule("Accepted", must=["accepted_at"]),
    S.SCHEDULED: _rule("Visit scheduled", must=["accepted_at", *_APPOINTMENT]),
    S.VISITED: _rule("Visited", must=_VISIT, also=_APPOINTMENT),
    S.CLOSED: _rule(
        "Closed",
        must=[*_VISIT, "closed_at", "outcome"],
        # Professional referrals only (a separate CHECK keeps clinical ones free of money).
        also=[*_APPOINTMENT, "business_value"],
    ),
    # A reason code since revision 0010; a forward carries none, nor do older referrals.
    S.DECLINED: _rule(
        "Declined",
        must=["declined_at", "status_reason"],
        also=["suggested_member_id", "reason_code"],
    ),
    # Cancelled from sent, info_requested, accepted or scheduled (or by a missed
    # appointment): it keeps what it had reached, an open question included.
    S.CANCELLED: _rule(
        "Cancelled",
        must=["cancelled_at", "status_reason"],
        also=["accepted_at", *_APPOINTMENT, *_QUESTION, "reason_code"],
    ),
    S.EXPIRED: _rule("Expired", must=["expired_at", "status_reason"]),
}

assert set(STATUS_RULES) == set(Status), "every status has its rule"
assert all(r.may <= set(STAGE_FIELDS) for r in STATUS_RULES.values()), "unknown stage field"

STATUS_LABELS: dict[Status, str] = {s: rule.label for s, rule in STATUS_RULES.items()}
# A forward is stored as `declined` (the transition table) with a copy that links back; the
# sender reads it as what it is.
FORWARDED_LABEL = "Forwarded"
# What the sender reads in its own lists while the receiver waits on the sender's answer.
SENDER_SIDE_LABELS = {Status.INFO_REQUESTED: "Waiting for your answer"}


def shown_status(status: Status, forwarded_to_id: int | None = None) -> str:
    """The status as pages and the API show it: `forwarded` for a forwarded decline."""
    if status == Status.DECLINED and forwarded_to_id is not None:
        return "forwarded"
    return status.value


def label_of(status: Status, forwarded_to_id: int | None = None) -> str:
    """A status as people read it: a declined referral with a forwarded copy is "Forwarded"."""
    if status == Status.DECLINED and forwarded_to_id is not None:
        return FORWARDED_LABEL
    return STATUS_LABELS[status]


MUST_FILL: dict[Status, frozenset[str]] = {s: rule.must for s, rule in STATUS_RULES.items()}
MAY_FILL: dict[Status, frozenset[str]] = {s: rule.may for s, rule in STATUS_RULES.items()}


def statuses_that_must(field: str) -> list[Status]:
    """The statuses that must carry `field`, in the enum's order."""
    return [s for s in Status if field in STATUS_RULES[s].must]


def statuses_that_may(field: str) -> list[Status]:
    """The statuses that may carry `field`, in the enum's order."""
    return [s for s in Status if field in STATUS_RULES[s].may]
