"""A directed referral and its append-only timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import Priority, ReferralKind, Status

if TYPE_CHECKING:
    from app.models.client import Client
    from app.models.member import Member
    from app.models.user import User


def _status_requires(statuses: tuple[str, ...], condition: str, name: str) -> CheckConstraint:
    listed = ", ".join(f"'{s}'" for s in statuses)
    return CheckConstraint(f"status NOT IN ({listed}) OR ({condition})", name=name)


_PAST_ACCEPTED = ("accepted", "scheduled", "visited", "closed")

# What the database itself guarantees about a referral, whatever code writes it.
REFERRAL_CHECKS = (
    CheckConstraint("sender_id <> receiver_id", name="not_to_self"),
    CheckConstraint("version >= 1", name="version_positive"),
    # Clinical referrals never carry money (Anti-Kickback Statute, Stark law).
    CheckConstraint("kind = 'professional' OR business_value IS NULL", name="clinical_no_value"),
    CheckConstraint("business_value IS NULL OR business_value >= 0", name="value_not_negative"),
    _status_requires(_PAST_ACCEPTED, "accepted_at IS NOT NULL", "accepted_has_time"),
    _status_requires(("scheduled",), "appointment_at IS NOT NULL", "scheduled_has_appointment"),
    _status_requires(
        ("visited", "closed"),
        "visited_at IS NOT NULL AND valid_until IS NOT NULL",
        "visit_recorded",
    ),
    _status_requires(
        ("closed",), "closed_at IS NOT NULL AND outcome IS NOT NULL", "closed_has_outcome"
    ),
    _status_requires(
        ("declined",),
        "declined_at IS NOT NULL AND status_reason IS NOT NULL",
        "declined_has_reason",
    ),
    _status_requires(
        ("cancelled",),
        "cancelled_at IS NOT NULL AND status_reason IS NOT NULL",
        "cancelled_has_reason",
    ),
    _status_requires(("expired",), "expired_at IS NOT NULL", "expired_has_time"),
)


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (
        *REFERRAL_CHECKS,
        # Inbox, outbox and network lists: filter by party and status, newest first.
        Index("ix_referral_receiver_id_status_sent_at", "receiver_id", "status", "sent_at"),
        Index("ix_referral_sender_id_status_sent_at", "sender_id", "status", "sent_at"),
        Index("ix_referral_network_id_status_sent_at", "network_id", "status", "sent_at"),
        # Reciprocity reports aggregate pairs over a period.
        Index("ix_referral_network_id_sent_at", "network_id", "sent_at"),
        # An admin's list of every referral, newest first, paged on (sent_at, id).
        Index("ix_referral_sent_at_id", "sent_at", "id"),
        Index("ix_referral_client_id_receiver_id", "client_id", "receiver_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    receiver_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    # A member the receiver suggested when declining.
    suggested_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    kind: Mapped[ReferralKind] = mapped_column(enum_column_type(ReferralKind, "referral_kind"))
    priority: Mapped[Priority] = mapped_column(
        enum_column_type(Priority, "priority"), default=Priority.ROUTINE
    )
    status: Mapped[Status] = mapped_column(enum_column_type(Status, "status"), default=Status.SENT)
    reason: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Decline or cancel reason.
    status_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    business_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Starts at the first visit, not when the referral was written.
    valid_until: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    sender: Mapped[Member] = relationship(foreign_keys=[sender_id])
    receiver: Mapped[Member] = relationship(foreign_keys=[receiver_id])
    suggested_member: Mapped[Member | None] = relationship(foreign_keys=[suggested_member_id])
    client: Mapped[Client] = relationship()
    created_by: Mapped[User | None] = relationship()
    forwarded_from: Mapped[Referral | None] = relationship(remote_side=[id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )

    # SQLAlchemy bumps `version` on every UPDATE and refuses a stale one (optimistic locking).
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"


class ReferralEvent(Base):
    """One step of a referral's timeline: append-only."""

    __tablename__ = "referral_event"
    __table_args__ = (Index("ix_referral_event_referral_id_at", "referral_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[Status | None] = mapped_column(enum_column_type(Status, "from_status"))
    to_status: Mapped[Status] = mapped_column(enum_column_type(Status, "to_status"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReferralEvent {self.referral_id} {self.action}>"
