"""Where links tell rewards what happened: the one entry point app/links/conversions.py
calls, for a conversion just counted and for a cancelled referral."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import LinkConversion, Referral, ReferralLink, Reward
from app.rewards.intake_facts import intake_facts
from app.rewards.service import Source, reverse_for_cancelled, reward_conversion


def source_of(link: ReferralLink, referral_id: int) -> Source:
    """The referrer is the client who shared the link when there is one, else its owner."""
    if link.owner_client_id is not None:
        owner = {"owner_client_id": link.owner_client_id}
    else:
        owner = {"owner_member_id": link.owner_member_id}
    return Source(link_id=link.id, intake=intake_facts(referral_id), **owner)


def on_link_event(
    referral: Referral, action: str, conversion: LinkConversion | None, now: datetime
) -> list[Reward]:
    """A counted conversion earns what its programmes give; a cancel reverses in time."""
    if action == "cancel":
        return reverse_for_cancelled(referral, now=now)
    if conversion is None:
        return []
    link = db.session.get(ReferralLink, conversion.link_id)
    return reward_conversion(referral, conversion.kind.value, source_of(link, referral.id), now=now)
