"""Conversions of attributed referrals: counted once each, in the transaction of the change.

`on_referral_action` is the one place the state machine (app/referrals/service.py perform)
tells links about a change; `record_lead` is called when a client confirms an intake's
e-mail. Programmes and rewards hang off the conversions recorded here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ConversionKind,
    LinkAttribution,
    LinkConversion,
    Referral,
    ReferralKind,
    Status,
)

# The transition that makes each conversion (the referral's status after it).
CONVERSION_OF_STATUS = {
    Status.ACCEPTED: ConversionKind.ACCEPTED,
    Status.VISITED: ConversionKind.VISITED,
    Status.CLOSED: ConversionKind.CLOSED,
}


def attribution_of(referral_id: int) -> LinkAttribution | None:
    return db.session.get(LinkAttribution, referral_id)


def _value(referral: Referral, kind: ConversionKind):
    """Revenue is the closed-business value of professional referrals, never clinical ones."""
    if kind == ConversionKind.CLOSED and referral.kind == ReferralKind.PROFESSIONAL:
        return referral.business_value
    return None


def record_conversion(
    referral: Referral, kind: ConversionKind, now: datetime
) -> LinkConversion | None:
    """Count `kind` for the link the referral is credited to; None when it came through no
    link. A second close (after a reopen) updates the value, never counts twice."""
    attribution = attribution_of(referral.id)
    if attribution is None:
        return None
    existing = db.session.scalar(
        select(LinkConversion).where(
            LinkConversion.referral_id == referral.id, LinkConversion.kind == kind
        )
    )
    if existing is not None:
        if kind == ConversionKind.CLOSED:
            existing.value = _value(referral, kind)
        return None
    conversion = LinkConversion(
        link_id=attribution.link_id,
        referral_id=referral.id,
        kind=kind,
        at=now,
        value=_value(referral, kind),
    )
    db.session.add(conversion)
    db.session.flush()
    _tell_rewards(referral, kind.value, conversion, now)
    return conversion


def _tell_rewards(referral: Referral, action: str, conversion, now: datetime) -> None:
    from app.rewards.hooks import on_link_event  # rewards build on links, not the reverse

    on_link_event(referral, action, conversion, now)


def record_lead(referral: Referral, now: datetime) -> LinkConversion | None:
    return record_conversion(referral, ConversionKind.LEAD, now)


def on_referral_action(referral: Referral, action: str, now: datetime) -> LinkConversion | None:
    """Called by `perform` after every transition (one place): a forwarded copy keeps the
    credit of the original; a status that is a conversion is counted."""
    if action == "forward" and referral.forwarded_to_id is not None:
        _credit_copy(referral, referral.forwarded_to_id)
    if action == "cancel":
        _tell_rewards(referral, action, None, now)
    kind = CONVERSION_OF_STATUS.get(referral.status)
    if kind is None:
        return None
    return record_conversion(referral, kind, now)


def _credit_copy(original: Referral, copy_id: int) -> None:
    attribution = attribution_of(original.id)
    if attribution is None or attribution_of(copy_id) is not None:
        return
    db.session.add(
        LinkAttribution(
            referral_id=copy_id,
            link_id=attribution.link_id,
            touch=attribution.touch,
            visit_id=attribution.visit_id,
            at=attribution.at,
        )
    )
    db.session.flush()
