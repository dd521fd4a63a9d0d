"""A document attached to a referral, a message or an advice request; the bytes live in the
document storage (app/storage: a private directory, or an S3-compatible bucket)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="not_empty"),
        # A referral's, or an advice request's (which a conversion also gives to the referral).
        CheckConstraint(
            "referral_id IS NOT NULL OR advice_request_id IS NOT NULL", name="has_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    advice_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("advice_request.id", ondelete="CASCADE"), index=True
    )
    # The message it came with, if any (attachments of a thread).
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    # The bytes' random key in the document storage: never derived from the uploaded name.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
