"""Stable logical ids of exported resources and references to them.

One id per record and type, the same in every export and at every REST read: a
ServiceRequest is "sr-<referral id>", its Task "task-<referral id>", and so on.
"""

from __future__ import annotations

from datetime import date, datetime

PREFIX = {
    "ServiceRequest": "sr",
    "Task": "task",
    "Appointment": "appt",
    "Encounter": "enc",
    "Communication": "com",
    "Patient": "pat",
    "Practitioner": "prac",
    "PractitionerRole": "role",
    "Organization": "org",
    "HealthcareService": "hs",
}
# The Communication that carries the receiver's open question (not a message of the thread).
QUESTION_PREFIX = "q"


def resource_id(resource_type: str, record_id: int) -> str:
    return f"{PREFIX[resource_type]}-{record_id}"


def ref(resource_type: str, record_id: int) -> dict:
    return {"reference": f"{resource_type}/{PREFIX[resource_type]}-{record_id}"}


def question_id(referral_id: int) -> str:
    return f"{PREFIX['Communication']}-{QUESTION_PREFIX}{referral_id}"


def parse_id(resource_type: str, logical_id: str) -> tuple[str, int] | None:
    """(kind, record id) of a logical id of this type; kind is "" or "q" for a question
    Communication. None when the id is not one refnet mints."""
    prefix = PREFIX.get(resource_type)
    if prefix is None or not logical_id.startswith(prefix + "-"):
        return None
    rest = logical_id[len(prefix) + 1 :]
    kind = ""
    if resource_type == "Communication" and rest.startswith(QUESTION_PREFIX):
        kind, rest = QUESTION_PREFIX, rest[len(QUESTION_PREFIX) :]
    if not rest.isdigit() or len(rest) > 18:
        return None
    return kind, int(rest)


def instant(value: datetime) -> str:
    """A FHIR instant/dateTime (timestamps are aware UTC)."""
    return value.isoformat()


def day(value: date) -> str:
    return value.isoformat()
