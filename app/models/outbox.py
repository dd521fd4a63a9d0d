"""E-mail queued in the same transaction as the change it reports, sent after commit.

A row is pending until `sent_at` or `failed_at` is set. A deliverer claims a row by writing
a lease (`claimed_by`, `claimed_until`) before it talks to SMTP; a lease that has run out
(its process died) lets the row be claimed again. A failed send waits until
`next_attempt_at`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_sent_at_id", "sent_at", "id"),
        Index("ix_outbox_message_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Files sent with the message: [{"filename", "content_type", "content"}] (text content).
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Not before this moment (a failed send's backoff); None: as soon as possible.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The lease of the deliverer sending it now; expired or None: free to claim.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Given up (too many failures, or a message no retry can send); an admin may retry it.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
