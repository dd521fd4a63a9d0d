"""A reward one conversion earned: pending → approved → paid or redeemed; or held for review,
rejected, reversed (the referral was cancelled in time) or expired (credit left unused)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.programme import ConversionStage, RewardKind

if TYPE_CHECKING:
    from app.models.client import Client
    from app.models.member import Member
    from app.models.programme import Programme


class RewardStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"  # a fraud signal fired: a coordinator reviews it
    APPROVED = "approved"
    PAID = "paid"
    REDEEMED = "redeemed"
    REJECTED = "rejected"
    REVERSED = "reversed"
    EXPIRED = "expired"


class EarnerRole(StrEnum):
    REFERRER = "referrer"
    CLIENT = "client"


REWARD_CHECKS = (
    # Never money or value on a clinical referral, whatever code writes the row.
    CheckConstraint(
        "clinical = false OR (kind = 'thanks' AND amount IS NULL)", name="clinical_thanks_only"
    ),
    CheckConstraint("(earner_member_id IS NULL) <> (earner_client_id IS NULL)", name="one_earner"),
    CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    CheckConstraint("variant IN ('A', 'B')", name="variant_a_or_b"),
    CheckConstraint(
        "status NOT IN ('approved', 'paid', 'redeemed', 'expired') OR approved_at IS NOT NULL",
        name="approved_at_required",
    ),
    CheckConstraint(
        "(status = 'paid') = (paid_at IS NOT NULL AND payout_batch IS NOT NULL)",
        name="paid_by_status",
    ),
    CheckConstraint("(status = 'redeemed') = (redeemed_at IS NOT NULL)", name="redeemed_by_status"),
    CheckConstraint("(status = 'reversed') = (reversed_at IS NOT NULL)", name="reversed_by_status"),
)


class Reward(Base):
    __tablename__ = "reward"
    __table_args__ = (
        *REWARD_CHECKS,
        # One reward per referral, earner and programme: a conversion seen twice adds nothing.
        UniqueConstraint("programme_id", "referral_id", "earner_role"),
        # The review queue, the payouts and the report: a network's rewards by status.
        Index("ix_reward_network_id_status_created_at", "network_id", "status", "created_at"),
        Index("ix_reward_earner_member_id_status", "earner_member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("reward_programme.id"))
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    clinical: Mapped[bool] = mapped_column()
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    # The link the referral is credited to (app/links/conversions.py).
    link_id: Mapped[int | None] = mapped_column(ForeignKey("referral_link.id"), index=True)
    earner_role: Mapped[EarnerRole] = mapped_column(enum_column_type(EarnerRole, "earner_role"))
    earner_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    earner_client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    stage: Mapped[ConversionStage] = mapped_column(
        enum_column_type(ConversionStage, "conversion_stage")
    )
    variant: Mapped[str] = mapped_column(String(1), default="A")
    kind: Mapped[RewardKind] = mapped_column(enum_column_type(RewardKind, "reward_kind"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RewardStatus] = mapped_column(
        enum_column_type(RewardStatus, "reward_status"), default=RewardStatus.PENDING
    )
    # The fraud signals that held it: [{"signal", "reason"}] (app/rewards/fraud.py).
    flags: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Why it was rejected or reversed.
    status_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payout_batch: Mapped[str | None] = mapped_column(String(40))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship(lazy="joined")
    earner_member: Mapped[Member | None] = relationship()
    earner_client: Mapped[Client | None] = relationship()

    @property
    def earner_name(self) -> str:
        if self.earner_member is not None:
            return self.earner_member.name
        return self.earner_client.display_name if self.earner_client else ""

    def __repr__(self) -> str:
        return f"<Reward {self.id} {self.status}>"
