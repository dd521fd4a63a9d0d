"""An advice request (the NHS's Advice and Guidance): a question to another member, or to a
specialty's pool in the network, before (or instead of) a referral."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import ReferralKind

if TYPE_CHECKING:
    from app.models.client import Client
    from app.models.member import Member
    from app.models.referral import Referral


class AdviceStatus(StrEnum):
    OPEN = "open"  # asked, no answer yet
    ANSWERED = "answered"  # the adviser's side wrote at least once
    CLOSED = "closed"  # the asker (or a coordinator) ended it
    CONVERTED = "converted"  # the asker turned it into a referral


ADVICE_STATUS_LABELS = {
    AdviceStatus.OPEN: "Waiting for an answer",
    AdviceStatus.ANSWERED: "Answered",
    AdviceStatus.CLOSED: "Closed",
    AdviceStatus.CONVERTED: "Converted to a referral",
}
OPEN_ADVICE = frozenset({AdviceStatus.OPEN, AdviceStatus.ANSWERED})


class AdviceRequest(Base):
    __tablename__ = "advice_request"
    __table_args__ = (
        # Asked of one member, or of a specialty's pool: exactly one of the two.
        CheckConstraint("(asked_member_id IS NULL) <> (specialty IS NULL)", name="one_adviser"),
        CheckConstraint("asked_member_id IS NULL OR asked_member_id <> asker_id", name="not_self"),
        CheckConstraint(
            "(status = 'converted') = (referral_id IS NOT NULL)", name="converted_has_referral"
        ),
        CheckConstraint(
            "(status IN ('closed', 'converted')) = (ended_at IS NOT NULL)", name="ended_at_status"
        ),
        CheckConstraint(
            "status <> 'answered' OR answered_at IS NOT NULL",
            name="answered_has_answered_at",
        ),
        Index("ix_advice_request_asker_id_status", "asker_id", "status"),
        Index("ix_advice_request_asked_member_id_status", "asked_member_id", "status"),
        Index("ix_advice_request_network_id_specialty_key", "network_id", "specialty_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    # The member that asks (its practitioners act), and whom it asks.
    asker_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    asked_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    specialty: Mapped[str | None] = mapped_column(String(80))
    specialty_key: Mapped[str | None] = mapped_column(String(80))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[ReferralKind] = mapped_column(enum_column_type(ReferralKind, "referral_kind"))
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[AdviceStatus] = mapped_column(
        enum_column_type(AdviceStatus, "advice_status"), default=AdviceStatus.OPEN
    )
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member whose practitioner answered first (for a pool: who took it).
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id"), unique=True, index=False
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    asker: Mapped[Member] = relationship(foreign_keys=[asker_id])
    asked_member: Mapped[Member | None] = relationship(foreign_keys=[asked_member_id])
    answered_by: Mapped[Member | None] = relationship(foreign_keys=[answered_by_id])
    client: Mapped[Client] = relationship()
    referral: Mapped[Referral | None] = relationship()

    @property
    def adviser_label(self) -> str:
        if self.asked_member is not None:
            return self.asked_member.name
        return f"{self.specialty} advice pool"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ADVICE
