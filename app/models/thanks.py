"""Thanks for a referral: one short note per referral and side, once it is closed (the sender
thanking the receiver for the care, the receiver thanking the sender for the client).
Recognition only: nothing about it is monetary or priced by volume."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Thanks(Base):
    __tablename__ = "thanks"
    __table_args__ = (
        UniqueConstraint("referral_id", "from_member_id"),
        # A member's thanks received over a period (the leaderboard).
        Index("ix_thanks_to_member_id_created_at", "to_member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    from_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    to_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
