"""Reminders of overdue referrals, and the daily digests that gather them.

A reminder's key (referral, stage, step) is unique in the database: a second tick, a second
worker or a catch-up after downtime cannot insert it again, so it is sent exactly once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Reminder(Base):
    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("referral_id", "stage", "step"),
        # The scan skips referrals whose stage is done: a probe into this small index.
        Index(
            "ix_reminder_referral_id_final",
            "referral_id",
            postgresql_where=text("final"),
            sqlite_where=text("final"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    # answer, visit, outcome; or answer-escalation, visit-escalation, outcome-escalation.
    stage: Mapped[str] = mapped_column(String(32))
    step: Mapped[int] = mapped_column()
    # When this step fell due by the network's rules (the tick may come later).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Nothing more is due on this stage after this row (the scan skips the referral).
    final: Mapped[bool] = mapped_column(default=False)


class ReminderDigest(Base):
    """One daily digest e-mail per user and day (the user's own preference)."""

    __tablename__ = "reminder_digest"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowupMark(Base):
    """How far the reminder ticks have looked (one row): a tick looks only at the steps that
    fell due since, and sweeps everything overdue now and then (app/followup/engine.py)."""

    __tablename__ = "followup_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every step due up to this moment has been looked at.
    scanned_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last full sweep (None: sweep at the next tick, e.g. after the rules changed).
    swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
