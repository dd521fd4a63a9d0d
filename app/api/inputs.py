"""What the API reads, as pydantic models: request bodies and query parameters.

Bodies are checked here for their JSON types only (strict: a whole number is not a boolean
or 2.5, text is not a number); the services check the values (ranges, lengths, dates, the
referral rules) through app.fields, as they do for the pages. So a body's schema documents
rules that pydantic does not apply itself: `checked(...)` carries them into the document.
A query model only documents what its view reads through app.fields.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.api.errors import invalid
from app.api.schemas import DisplayStatusValue, PriorityValue
from app.fields import MAX_ID, MAX_PAGE
from app.models import Priority, ReasonCode, ReferralKind
from app.referrals.listing import BOXES, DEFAULT_LIMIT, MAX_LIMIT

MAX_SEARCH_LENGTH = 100

# What each JSON type is called in a message, by pydantic's error type.
EXPECTED = {
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "model_type": "must be an object",
    "amount_type": 'must be an amount, as a number or a string like "1250.00"',
}


def without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with null taken out: for what a service requires, and query parameters."""
    schema = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
    if isinstance(schema.get("type"), list):
        kinds = [kind for kind in schema["type"] if kind != "null"]
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "anyOf" in schema:
        options = [option for option in schema.pop("anyOf") if option != {"type": "null"}]
        schema = {**options[0], **schema} if len(options) == 1 else {"anyOf": options, **schema}
    if None in schema.get("enum", ()):
        schema["enum"] = [value for value in schema["enum"] if value is not None]
    return schema


def _document_required(schema: dict[str, Any], model: type[Body]) -> None:
    """The fields that a service requires are required in the document, but pydantic lets
    them pass absent, so that the service names every problem at once, in its words."""
    for name in model.required_by_service:
        schema["properties"][name] = without_null(schema["properties"][name])
    schema["required"] = [*schema.get("required", ()), *model.required_by_service]


class Body(BaseModel):
    """A JSON request body: null counts as absent, unknown keys are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=_document_required)
    required_by_service: ClassVar[tuple[str, ...]] = ()


def checked(description: str | None = None, **rules: Any) -> Any:
    """An optional field whose value a service checks; `rules` document how (JSON Schema)."""
    return Field(None, description=description, json_schema_extra=rules or None)


def _amount(value: Any) -> int | float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("amount_type", "not an amount")
    if isinstance(value, float) and not math.isfinite(value):  # 1e400 reads as infinity
        raise PydanticCustomError("amount_type", "not an amount")
    return value


Amount = Annotated[
    int | float | str, PlainValidator(_amount), WithJsonSchema({"type": ["string", "number"]})
]


class NewClient(Body):
    required_by_service = ("given_name", "family_name")

    given_name: str | None = checked(maxLength=100)
    family_name: str | None = checked(maxLength=100)
    birth_date: str | None = checked("Required for clinical.", format="date")
    email: str | None = checked(maxLength=254)
    phone: str | None = checked(maxLength=40)
    identifier: str | None = checked(maxLength=64)
    consent: bool | None = checked("Consent to share the client's data; required for clinical.")
    contact_consent: bool | None = checked(
        "The client agrees to be e-mailed about this referral (accepted, scheduled, "
        "rescheduled) with a link to their own page; needs `email`. Never clinical detail."
    )


class NewReferral(Body):
    required_by_service = ("receiver_id", "kind", "reason", "service")

    receiver_id: int | None = checked()
    sender_id: int | None = checked("The sending member; optional when the user acts for one.")
    kind: str | None = checked(enum=[k.value for k in ReferralKind])
    priority: str | None = checked(enum=[*[p.value for p in Priority], None])
    reason: str | None = checked(minLength=3, maxLength=2000)
    service: str | None = checked(maxLength=200)
    notes: str | None = checked(maxLength=5000)
    client: NewClient | None = checked("A new client; or give client_id instead.")
    client_id: int | None = checked("One of the sender's clients.")
    confirm_duplicate: bool | None = checked(
        "Send although the client has an open referral to this receiver."
    )


class ActionRequest(Body):
    version: int = Field(description="The version read; a different one is refused with 409 stale.")
    reason_code: str | None = checked(
        "decline, cancel (required), no-show (required with cancel): one of the codes.",
        enum=[*[c.value for c in ReasonCode], None],
    )
    reason: str | None = checked(
        "decline, cancel, no-show: free text beside reason_code (required with `other`); "
        "forward: optional; reopen: required."
    )
    receiver_id: int | None = checked("forward: the new receiver.")
    appointment_at: str | None = checked(
        "schedule, reschedule: ISO date-time; without offset, network time."
    )
    visit_date: str | None = checked("record-visit: ISO date.")
    outcome: str | None = checked("close: the outcome note.")
    value: Amount | None = checked("close: closed-business value, professional referrals only.")
    question: str | None = checked("request-info: the question to the sender.", maxLength=5000)
    answer: str | None = checked(
        "provide-info: the sender's answer (documents are attached on the referral's page).",
        maxLength=5000,
    )
    report: str | None = checked("interim-report: the note to the sender.", maxLength=5000)
    note: str | None = checked(maxLength=2000)
    cancel: bool | None = checked("no-show: cancel instead of rescheduling.")
    suggested_member_id: int | None = checked("decline: another member.")
    confirm_early_visit: bool | None = checked(
        "record-visit: the visit date is before the appointment, and that is right "
        "(otherwise 422 naming confirm_early_visit)."
    )


B = TypeVar("B", bound=Body)


def validated(model: type[B], body: dict[str, Any]) -> B:
    """The body as `model`; 422 naming each field of the wrong JSON type (client.<name>)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            names = [part for part in error["loc"] if isinstance(part, str)]
            name = names[-1]
            if error["type"] == "missing" or error.get("input", 0) is None:
                message = f"{name} is required."
            else:
                message = f"{name} {EXPECTED.get(error['type'], 'is of the wrong type')}."
            problems.setdefault(".".join(names), message)
        raise invalid(problems) from None


# Query parameters: strings in the URL, read by the views and services through app.fields.
SearchText = Annotated[str | None, Field(max_length=MAX_SEARCH_LENGTH)]


class MemberQuery(BaseModel):
    q: SearchText = Field(None, description="Part of the name or organisation.")
    specialty: SearchText = Field(None, description="Part of a specialty.")
    location: SearchText = Field(None, description="Part of city, postcode, address.")
    accepting: bool | None = Field(None, description="Only members (not) accepting new referrals.")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page, from 1.")


class ReferralQuery(BaseModel):
    box: Literal[BOXES] | None = Field(
        None,
        description="inbox: received by the caller's members; outbox: sent by them; all: every "
        "visible referral. Practitioners default to inbox; coordinators and admins have only all.",
    )
    status: list[DisplayStatusValue] | None = Field(
        None,
        description="One or more statuses as shown (display_status: repeat the parameter, or "
        "separate with commas). forwarded: declined referrals that were forwarded; declined "
        "alone: those that were not; both: every declined one.",
    )
    priority: list[PriorityValue] | None = Field(None, description="One or more priorities.")
    member_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only referrals this member sent or received "
        "(with inbox/outbox: one of yours).",
    )
    sent_from: str | None = Field(None, description="Sent on or after: a date or an ISO date-time.")
    sent_to: str | None = Field(None, description="Sent on or before (a date: the whole day).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Referrals per page.")
    cursor: str | None = Field(None, description="Opaque: take it from `next`, do not build it.")


class NewMessage(Body):
    required_by_service = ("body",)

    body: str | None = checked("The message (several lines allowed).", minLength=1, maxLength=5000)


class NewAdviceRequest(Body):
    required_by_service = ("kind", "subject", "question")

    kind: str | None = checked(enum=[k.value for k in ReferralKind])
    subject: str | None = checked(
        "What the advice is about; a conversion's service.", maxLength=200
    )
    question: str | None = checked(
        "The question; a conversion's reason.", minLength=3, maxLength=2000
    )
    asker_id: int | None = checked("The asking member; optional when the user acts for one.")
    asked_member_id: int | None = checked("The member asked; or give specialty instead.")
    specialty: str | None = checked(
        "Ask this specialty's advice pool: any active member with it may answer.", maxLength=80
    )
    client: NewClient | None = checked("A new client; or give client_id instead.")
    client_id: int | None = checked("One of the asking member's clients.")


class AdviceActionRequest(Body):
    version: int | None = checked("The version read; a different one is refused with 409 stale.")
    priority: str | None = checked(
        "convert: the referral's priority (routine by default).",
        enum=[*[p.value for p in Priority], None],
    )
    confirm_duplicate: bool | None = checked(
        "convert: send although the client has an open referral to this receiver."
    )


class AdviceQuery(BaseModel):
    box: Literal["asked", "received", "pool", "all"] | None = Field(
        None,
        description="asked: by the caller's members; received: of them; pool: of their "
        "specialty pools (practitioners, default asked); all: the network (coordinators and "
        "admins, their only list).",
    )
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page, from 1 (25 per page).")


class NewThanks(Body):
    required_by_service = ("note",)

    note: str | None = checked("A short note of thanks.", minLength=1, maxLength=500)
