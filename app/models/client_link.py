"""The client's own page of a referral: the secret its links carry, and the client's reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class ClientLink(Base):
    """One per referral whose client agreed to be contacted (app/referrals/client_links.py).

    A link is signed with SECRET_KEY and names the referral and `nonce`: a new nonce revokes
    every link sent before it. Kept apart from `referral` so that a client's reply never
    bumps the referral's version under a practitioner's open form.
    """

    __tablename__ = "client_link"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The client's last answer ("confirm" or "rebook") and the appointment it was about:
    # the same answer about the same appointment, posted twice, is recorded once.
    reply: Mapped[str | None] = mapped_column(String(16))
    reply_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_message: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ClientLink {self.referral_id}>"
