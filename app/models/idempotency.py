"""Requests that must take effect once: a send form's one-time token, an API client's
Idempotency-Key. One row per user and key (a unique constraint), written in the same
transaction as what the request made, so a second request with the key finds the first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # "form:<token>" for the send form, "api:<Idempotency-Key>" for the API.
    key: Mapped[str] = mapped_column(String(300))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    # The first answer (API): its status and JSON text, replayed for the same request.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
