"""In-app notifications: one per user told about a referral's change, a message, an advice
request or a reminder."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.referral import Referral


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        # The unread count in the header, and the newest-first list.
        Index("ix_notification_user_id_read_at_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    advice_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("advice_request.id", ondelete="CASCADE"), index=True
    )
    # The action that caused it (accept, close, reminder…).
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[Referral | None] = relationship()
