"""Closed vocabularies of the domain, shared by models, forms, API and FHIR mapping."""

from __future__ import annotations

from enum import StrEnum


class NetworkKind(StrEnum):
    """Which referrals a network carries: clinical, professional, or both."""

    CLINICAL = "clinical"
    PROFESSIONAL = "professional"
    MIXED = "mixed"


class MemberKind(StrEnum):
    """A person who practises, or an organisation (a clinic, a firm)."""

    PRACTITIONER = "practitioner"
    ORGANIZATION = "organization"


class Role(StrEnum):
    """What a login may do: act for members, look after networks, or run refnet."""

    PRACTITIONER = "practitioner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class ReferralKind(StrEnum):
    """Clinical referrals carry a patient and never money; professional ones may."""

    CLINICAL = "clinical"
    PROFESSIONAL = "professional"


class Priority(StrEnum):
    """FHIR request-priority codes, in rising urgency."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


class Status(StrEnum):
    SENT = "sent"
    # The receiver asked the sender a question; the referral waits on the sender's answer.
    INFO_REQUESTED = "info_requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    VISITED = "visited"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {Status.SENT, Status.INFO_REQUESTED, Status.ACCEPTED, Status.SCHEDULED, Status.VISITED}
)


class ReasonCode(StrEnum):
    """Why a referral was declined or cancelled, or why a visit was missed: a short list
    that reports can count, always with free text beside it."""

    NO_CAPACITY = "no_capacity"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    NOT_ELIGIBLE = "not_eligible"
    MISSING_INFORMATION = "missing_information"
    WRONG_SPECIALTY = "wrong_specialty"
    CLIENT_DECLINED = "client_declined"
    CLIENT_UNREACHABLE = "client_unreachable"
    OTHER = "other"


# The words of each code: forms, the referral page and the API's reason_label.
REASON_CODE_LABELS = {
    ReasonCode.NO_CAPACITY: "No capacity",
    ReasonCode.OUTSIDE_SERVICE_AREA: "Outside our service area",
    ReasonCode.NOT_ELIGIBLE: "Not eligible",
    ReasonCode.MISSING_INFORMATION: "Missing information",
    ReasonCode.WRONG_SPECIALTY: "Wrong specialty",
    ReasonCode.CLIENT_DECLINED: "The client declined",
    ReasonCode.CLIENT_UNREACHABLE: "The client could not be reached",
    ReasonCode.OTHER: "Other",
}


class LinkChannel(StrEnum):
    """How a visitor came to a referral link: the `?c=` tag of its share buttons, a code
    typed on the intake page, or none (an untagged link)."""

    DIRECT = "direct"
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    COPY = "copy"
    QR = "qr"
    CODE = "code"


class Touch(StrEnum):
    """Which visit within the attribution window a conversion is credited to."""

    FIRST = "first"
    LAST = "last"


class ConversionKind(StrEnum):
    """The steps of a link's funnel after the visit: the client confirmed the intake's
    e-mail (lead), then the referral was accepted, visited and closed."""

    LEAD = "lead"
    ACCEPTED = "accepted"
    VISITED = "visited"
    CLOSED = "closed"
