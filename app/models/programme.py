"""A reward programme: who is rewarded, with what, for which conversion of a link's referral.

Compliance by construction: `clinical` is copied from the network when the programme is
made (clinical and mixed networks carry clinical referrals), and a CHECK refuses any row
that would put money, value or volume on a clinical referral: such a programme can only
say thanks (DESIGN.md, "Links, codes and programmes"; app/rewards/rules.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import ConversionKind as ConversionStage
from app.models.enums import Touch

__all__ = ["ConversionStage", "Touch"]  # the links' vocabularies, named as programmes use them

if TYPE_CHECKING:
    from app.models.member import Member
    from app.models.network import Network


class Rewarded(StrEnum):
    """Who earns: the one who referred (the link's owner), the new client, or both."""

    REFERRER = "referrer"
    CLIENT = "client"
    BOTH = "both"


class RewardKind(StrEnum):
    CREDIT = "credit"  # account credit, in the network's currency
    DISCOUNT = "discount"  # a percentage off
    FIXED = "fixed"  # a fixed amount paid out
    POINTS = "points"
    SERVICE = "service"  # a service given, described in words
    THANKS = "thanks"  # recognition only: no value, no amount


class CapPeriod(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    EVER = "ever"


# The kinds whose row carries an amount (money, a percentage, points).
AMOUNT_KINDS = (RewardKind.CREDIT, RewardKind.DISCOUNT, RewardKind.FIXED, RewardKind.POINTS)
# Worth money, in cash or in kind: never on a clinical network, and on a professional one
# only when the network allows monetary rewards.
MONETARY_KINDS = (RewardKind.CREDIT, RewardKind.DISCOUNT, RewardKind.FIXED, RewardKind.SERVICE)


def _kinds(kinds) -> str:
    return ", ".join(f"'{k.value}'" for k in kinds)


# A clinical programme says thanks: no value, no tier, no cap, no second variant, no
# ranking by volume. Everything per volume or worth money is out.
CLINICAL_THANKS_ONLY = (
    "clinical = false OR (reward_kind = 'thanks' AND amount IS NULL AND tier_from IS NULL"
    " AND tier_amount IS NULL AND variant_b_kind IS NULL AND variant_b_amount IS NULL"
    " AND cap_count IS NULL AND leaderboard = false)"
)

PROGRAMME_CHECKS = (
    CheckConstraint(CLINICAL_THANKS_ONLY, name="clinical_thanks_only"),
    CheckConstraint(
        f"(reward_kind IN ({_kinds(AMOUNT_KINDS)})) = (amount IS NOT NULL)",
        name="amount_by_kind",
    ),
    CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    CheckConstraint("reward_kind <> 'discount' OR amount <= 100", name="discount_at_most_100"),
    CheckConstraint("(tier_from IS NULL) = (tier_amount IS NULL)", name="tier_complete"),
    CheckConstraint("tier_from IS NULL OR tier_from >= 2", name="tier_from_second"),
    CheckConstraint("tier_amount IS NULL OR tier_amount > 0", name="tier_amount_positive"),
    CheckConstraint("(cap_count IS NULL) = (cap_period IS NULL)", name="cap_complete"),
    CheckConstraint("cap_count IS NULL OR cap_count >= 1", name="cap_count_positive"),
    CheckConstraint(
        "variant_b_kind IS NOT NULL OR variant_b_amount IS NULL", name="variant_b_has_kind"
    ),
    CheckConstraint(
        "variant_b_amount IS NULL OR variant_b_amount > 0", name="variant_b_amount_positive"
    ),
    CheckConstraint("window_days BETWEEN 1 AND 365", name="window_days_range"),
    CheckConstraint("reverse_within_days BETWEEN 0 AND 365", name="reverse_within_range"),
    CheckConstraint(
        "credit_expires_days IS NULL OR (credit_expires_days >= 1 AND credit_expires_days <= 3650)",
        name="credit_expiry_range",
    ),
)


class Programme(Base):
    __tablename__ = "reward_programme"
    __table_args__ = (
        *PROGRAMME_CHECKS,
        Index("ix_reward_programme_network_id_active", "network_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    # The member that runs it and gives the rewards; None: the network's (a coordinator's).
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(120))
    # Copied from the network (clinical or mixed): what the CHECK above guards.
    clinical: Mapped[bool] = mapped_column()
    rewarded: Mapped[Rewarded] = mapped_column(enum_column_type(Rewarded, "rewarded"))
    reward_kind: Mapped[RewardKind] = mapped_column(enum_column_type(RewardKind, "reward_kind"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # What the reward is, in words ("a free first consultation", "our thanks").
    description: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[ConversionStage] = mapped_column(
        enum_column_type(ConversionStage, "conversion_stage")
    )
    # From the tier_from-th rewarded conversion of one referrer on, tier_amount instead.
    tier_from: Mapped[int | None] = mapped_column()
    tier_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # At most cap_count rewards per referrer and period.
    cap_count: Mapped[int | None] = mapped_column()
    cap_period: Mapped[CapPeriod | None] = mapped_column(enum_column_type(CapPeriod, "cap_period"))
    # Approved credit, discount, points or service unused this many days later expires.
    credit_expires_days: Mapped[int | None] = mapped_column()
    # A referral cancelled within this many days of the reward reverses it.
    reverse_within_days: Mapped[int] = mapped_column(default=30)
    auto_approve: Mapped[bool] = mapped_column(default=False)
    # A/B: links with an odd id give variant B (kind and amount), the others variant A.
    variant_b_kind: Mapped[RewardKind | None] = mapped_column(
        enum_column_type(RewardKind, "variant_b_kind")
    )
    variant_b_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    attribution: Mapped[Touch] = mapped_column(enum_column_type(Touch, "touch"), default=Touch.LAST)
    window_days: Mapped[int] = mapped_column(default=30)
    leaderboard: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    network: Mapped[Network] = relationship()
    owner: Mapped[Member | None] = relationship()

    @property
    def has_variants(self) -> bool:
        return self.variant_b_kind is not None

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.name!r}>"
