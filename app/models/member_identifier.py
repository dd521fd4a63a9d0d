"""Identifiers of members in other systems (an NPI, a national provider number…).

An incoming FHIR referral names its sender and receiver by identifier; refnet's own member
id is implied (systems.py MEMBER), the others are kept here. One (system, value) names one
member at most.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class MemberIdentifier(Base):
    __tablename__ = "member_identifier"
    __table_args__ = (UniqueConstraint("system", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # A URI, e.g. http://hl7.org/fhir/sid/us-npi.
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MemberIdentifier {self.system}|{self.value} member={self.member_id}>"


class ReferralIdentifier(Base):
    """An identifier the sender's system gave an imported referral (ServiceRequest.identifier):
    a bundle posted twice finds its referral here and creates no second one. Scoped by sender:
    another member naming the same identifier never reaches this referral."""

    __tablename__ = "referral_identifier"
    __table_args__ = (UniqueConstraint("sender_id", "system", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    # "" when the identifier names no system (BSeR's placer numbers often do not).
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
