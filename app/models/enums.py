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
