"""The conversation around a referral or an advice request: messages and read markers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.document import Document
    from app.models.member import Member
    from app.models.user import User

# Exactly one thread: a referral's or an advice request's.
ONE_THREAD = "(referral_id IS NULL) <> (advice_request_id IS NULL)"


class Message(Base):
    """One message of a thread, written by a user for one side (a member, or the network's
    coordinators). Append-only: a message is never edited or deleted."""

    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint(ONE_THREAD, name="one_thread"),
        CheckConstraint(
            "side IN ('sender', 'receiver', 'coordinator', 'asker', 'adviser')", name="side_known"
        ),
        # A thread newest last, and the unread count (messages after a marker).
        Index("ix_message_referral_id_id", "referral_id", "id"),
        Index("ix_message_advice_request_id_id", "advice_request_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    advice_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("advice_request.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The side the author speaks for, and its member (None for a coordinator).
    side: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    member: Mapped[Member | None] = relationship(lazy="joined")
    documents: Mapped[list[Document]] = relationship(
        order_by="Document.id", lazy="selectin", viewonly=True
    )


class ThreadRead(Base):
    """How far a user has read a thread: the last message id it saw (unread = newer ones by
    others). One row per user and thread."""

    __tablename__ = "thread_read"
    __table_args__ = (
        CheckConstraint(ONE_THREAD, name="one_thread"),
        UniqueConstraint("user_id", "referral_id"),
        UniqueConstraint("user_id", "advice_request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    advice_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("advice_request.id", ondelete="CASCADE")
    )
    last_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
