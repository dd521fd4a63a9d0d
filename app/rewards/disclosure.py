"""The disclosure the public intake page shows when the link's network allows rewards
worth money and one of its active programmes could give them to this link's referrer."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Member, Network, Programme
from app.models.programme import MONETARY_KINDS

DEFAULT_DISCLOSURE = (
    "The person who referred you may receive a reward from {target} if you become a client."
)


def disclosure_for_target(target_member_id: int) -> str | None:
    target = db.session.get(Member, target_member_id)
    if target is None:
        return None
    network = db.session.get(Network, target.network_id)
    if network.is_clinical or not network.monetary_rewards_allowed:
        return None
    monetary = db.session.scalar(
        select(Programme.id)
        .where(
            Programme.network_id == network.id,
            Programme.active.is_(True),
            (Programme.owner_member_id.is_(None)) | (Programme.owner_member_id == target.id),
            Programme.reward_kind.in_(MONETARY_KINDS)
            | Programme.variant_b_kind.in_(MONETARY_KINDS),
        )
        .limit(1)
    )
    if monetary is None:
        return None
    return network.reward_disclosure or DEFAULT_DISCLOSURE.format(target=target.name)


def disclosure_for(link) -> str | None:
    """For the intake template: the text to show, or None."""
    target = getattr(link, "target_member_id", None) or getattr(link, "target_id", None)
    return disclosure_for_target(target) if target else None
