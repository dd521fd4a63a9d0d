"""What the API returns, as pydantic models: the serializers build them, and the OpenAPI
document is generated from them, so what is returned is what is documented."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from app.models import MemberKind, Priority, ReasonCode, ReferralKind, Role, Status
from app.models.referral import ORIGINS
from app.referrals.states import Action

USER_ACTIONS = [a.value for a in Action if a != Action.EXPIRE]


def one_of(enum: type[Enum], values: list[str] | None = None) -> Any:
    """One of the enum's values (a member passes as its value), listed where it is used."""
    return Literal[tuple(values if values is not None else [member.value for member in enum])]


Id = Annotated[int, Field(ge=1)]
# isoformat() keeps the offset as +00:00 (pydantic would write Z).
Moment = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"}),
]
StatusValue = one_of(Status)
DisplayStatusValue = one_of(Status, [*(s.value for s in Status), "forwarded"])
RoleValue = one_of(Role)
MemberKindValue = one_of(MemberKind)
KindValue = one_of(ReferralKind)
PriorityValue = one_of(Priority)
ReasonCodeValue = one_of(ReasonCode)
OriginValue = Literal[ORIGINS]
UserAction = one_of(Action, USER_ACTIONS)
Next = Annotated[str | None, Field(description="The URL of the next page; null on the last one.")]


class Part(BaseModel):
    """A shape that only ever appears inside another: the document writes it in place."""


class Error(BaseModel):
    error: str = Field(
        description="A stable code: malformed, unauthorized, forbidden, not_found, stale, "
        "conflict, invalid, invalid_transition, possible_duplicate, idempotency_key_reused, "
        "too_large, unsupported_media_type, method_not_allowed."
    )
    message: str = Field(description="What went wrong, for a person.")
    fields: dict[str, str] = Field(
        description="Field name (client fields as client.<name>) → what is wrong."
    )


class ActingFor(Part):
    id: Id
    name: str
    network_id: Id


class User(BaseModel):
    id: Id
    email: str
    name: str
    role: RoleValue
    members: list[ActingFor]
    member_ids: list[Id]
    network_ids: list[Id]


class Member(BaseModel):
    id: Id
    name: str
    kind: MemberKindValue
    specialties: list[str]
    accepting: bool
    active: bool
    city: str | None
    postcode: str | None
    network_id: Id
    organization: str | None


class MemberPage(BaseModel):
    items: list[Member]
    next: Next


class ReferralSummary(BaseModel):
    """A referral in a list: no client data and no free text, so lists need no audit row."""

    id: Id
    status: StatusValue
    version: Id
    sender_id: Id | None = Field(
        description="The sending member; null when no member sent it (`origin` own_link)."
    )
    origin: OriginValue = Field(
        description="member: a member sent it; own_link: a client came in through the "
        "receiver's own link (no sender, and it counts in no member's reciprocity)."
    )
    receiver_id: Id
    network_id: Id
    kind: KindValue
    priority: PriorityValue
    service: str
    sent_at: Moment
    appointment_at: Moment | None
    forwarded_from_id: Id | None = Field(description="The referral this one was forwarded from.")
    forwarded_to_id: Id | None = Field(
        description="The referral a forward made from this one (its status stays declined)."
    )
    display_status: DisplayStatusValue = Field(
        description="The status as people read it: forwarded for a declined referral that "
        "was forwarded, otherwise the status."
    )
    status_label: str = Field(description="The status in words, e.g. Forwarded, Visit scheduled.")


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    next: Next


class ReferralEvent(BaseModel):
    action: str
    from_status: StatusValue | None
    to_status: StatusValue
    at: Moment
    actor_id: Id | None
    note: str | None
    reason_code: ReasonCodeValue | None = Field(
        description="decline, cancel, no-show: the reason code given (null before codes existed)."
    )


class ReferralClient(Part):
    id: Id
    given_name: str
    family_name: str
    birth_date: date | None
    contact_consent: bool = Field(
        description="The client agreed to be e-mailed about the referral (with a link to "
        "their own page)."
    )


class ReferralSource(Part):
    """Where a referral that a client sent themselves came from (docs/links.md)."""

    link_id: Id = Field(description="The link credited with it (first or last touch).")
    source_link_id: Id = Field(description="The link whose intake form the client filled in.")
    touch: Literal["first", "last"]
    channel: str | None = Field(description="The channel of the credited visit, if known.")
    email_confirmed: bool = Field(description="The client confirmed their e-mail address.")
    possible_duplicate_of: Id | None = Field(
        description="An open referral of the same person to the same receiver (last 30 days)."
    )


class Referral(ReferralSummary):
    """The whole referral as the caller may see it, with what the caller may do next."""

    reason: str
    notes: str | None
    client: ReferralClient
    accepted_at: Moment | None
    declined_at: Moment | None
    scheduled_at: Moment | None
    visited_at: Moment | None
    closed_at: Moment | None
    cancelled_at: Moment | None
    expired_at: Moment | None
    info_requested_at: Moment | None = Field(
        description="When the receiver asked the open question (status info_requested)."
    )
    info_question: str | None = Field(
        description="The receiver's open question; the answer is the provide-info event's note."
    )
    sender_wait_seconds: int = Field(
        ge=0,
        description="Seconds the referral waited on its sender's answers (closed waits only): "
        "the receiver's answer clock does not count them.",
    )
    status_reason: str | None = Field(
        description="Why it was declined or cancelled, in words (the code's label when no "
        "text was given)."
    )
    reason_code: ReasonCodeValue | None = Field(
        description="The reason code of a decline or cancellation (null for a forward, an "
        "expiry, and declines and cancellations recorded before codes existed)."
    )
    reason_label: str | None = Field(description="The reason code in words.")
    outcome: str | None = Field(description="The receiver's outcome note to the sender.")
    business_value: Money | None = Field(
        description="Closed-business value (professional referrals only), e.g. 1250.00."
    )
    valid_until: date | None
    suggested_member_id: Id | None
    events: list[ReferralEvent]
    allowed_actions: list[UserAction] = Field(
        description="What the caller may do now; POST each to actions/{action}."
    )
    link: ReferralSource | None = Field(
        default=None, description="Set when the client sent themselves through a link."
    )


SideValue = Literal["sender", "receiver", "coordinator", "asker", "adviser"]


class Attachment(Part):
    id: Id
    filename: str
    content_type: str
    size_bytes: int


class Message(BaseModel):
    """One message of a thread (a referral's or an advice request's)."""

    id: Id
    author_id: Id
    author_name: str
    side: SideValue = Field(
        description="The side the author speaks for: sender or receiver (referrals), asker or "
        "adviser (advice requests), or coordinator."
    )
    member_id: Id | None = Field(
        description="The member the author speaks for; null for a coordinator."
    )
    member_name: str | None
    body: str
    created_at: Moment
    attachments: list[Attachment] = Field(
        description="Files posted with the message (from the web page; the API lists them)."
    )


class MessageList(BaseModel):
    items: list[Message] = Field(description="Oldest first (newest last).")
    unread: int = Field(description="How many of them were unread by the caller before this read.")


AdviceStatusValue = Literal["open", "answered", "closed", "converted"]
AdviceAction = Literal["close", "convert"]


class AdviceSummary(BaseModel):
    """An advice request in a list: no client data and no free text beyond its subject."""

    id: Id
    status: AdviceStatusValue
    version: Id
    network_id: Id
    kind: KindValue
    asker_id: Id = Field(description="The member that asks.")
    asked_member_id: Id | None = Field(description="The member asked; null for a pool.")
    specialty: str | None = Field(description="The specialty whose advice pool is asked.")
    subject: str
    asked_at: Moment
    answer_due_at: Moment = Field(
        description="When an answer is due (provisionally 5 days after the question)."
    )
    answered_at: Moment | None
    answered_by_id: Id | None = Field(description="The member whose practitioner answered first.")
    ended_at: Moment | None
    referral_id: Id | None = Field(description="The referral it was converted into.")


class AdvicePage(BaseModel):
    items: list[AdviceSummary]
    counts: dict[str, int] = Field(description="Open requests in each of the caller's lists.")
    next: Next


class Advice(AdviceSummary):
    """The whole request as the caller may see it (the read is audited)."""

    question: str
    client: ReferralClient
    allowed_actions: list[AdviceAction] = Field(
        description="What the caller may do now; POST each to actions/{action}."
    )
