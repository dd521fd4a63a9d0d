"""Referral links: a member's (or a member's client's) public link to a target member, its
visits, the intakes that came through it, the link each referral is credited to, and the
conversions counted for it (app/links; DESIGN.md "Links, codes and programmes")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import ConversionKind, LinkChannel, ReferralKind, Touch

if TYPE_CHECKING:
    from app.models.client import Client
    from app.models.member import Member
    from app.models.referral import Referral


class ReferralLink(Base):
    """`/r/<code>`: an intake through it becomes a referral owner member → target member; on
    the member's own link (owner = target) a referral with no sender (`Referral.sender_id`).

    The owner is always a member (`owner_member_id`); a link that a member's client shares
    with friends names that client too (`owner_client_id`), and its referrals are still sent
    by the member. `code` is stored upper-case (codes are case-insensitive).
    """

    __tablename__ = "referral_link"
    __table_args__ = (
        CheckConstraint("window_days BETWEEN 1 AND 365", name="window_days_range"),
        Index("ix_referral_link_owner_member_id_created_at", "owner_member_id", "created_at"),
        Index("ix_referral_link_network_id_created_at", "network_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    owner_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    owner_client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    target_member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # The kind of the referrals it makes: clinical ones need consent and a birth date.
    referral_kind: Mapped[ReferralKind] = mapped_column(
        enum_column_type(ReferralKind, "referral_kind")
    )
    # The owner's name for it ("Front desk flyer") and the service its referrals ask for.
    label: Mapped[str | None] = mapped_column(String(120))
    service: Mapped[str | None] = mapped_column(String(200))
    # Attribution of this link's intakes (a programme may set them for all its links).
    touch: Mapped[Touch] = mapped_column(
        enum_column_type(Touch, "touch"), default=Touch.LAST, server_default=Touch.LAST.value
    )
    window_days: Mapped[int] = mapped_column(default=30, server_default="30")
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    owner_member: Mapped[Member] = relationship(foreign_keys=[owner_member_id])
    owner_client: Mapped[Client | None] = relationship(foreign_keys=[owner_client_id])
    target_member: Mapped[Member] = relationship(foreign_keys=[target_member_id])

    @property
    def own(self) -> bool:
        """The owner's own link: it brings clients to the owner itself."""
        return self.owner_member_id == self.target_member_id

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def ended(self, now: datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= now

    def open_at(self, now: datetime) -> bool:
        """Takes visits and intakes: not paused, not ended, its owner still a member."""
        return not self.paused and not self.ended(now) and self.owner_member.active

    def __repr__(self) -> str:
        return f"<ReferralLink {self.id} {self.code}>"


class LinkVisit(Base):
    """One opening of a link. No raw address is kept: `address_hash` is an HMAC of it with a
    key derived from SECRET_KEY (app/links/visits.py)."""

    __tablename__ = "link_visit"
    __table_args__ = (
        Index("ix_link_visit_link_id_at", "link_id", "at"),
        Index("ix_link_visit_address_hash_at", "address_hash", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_link.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[LinkChannel] = mapped_column(
        enum_column_type(LinkChannel, "link_channel"), default=LinkChannel.DIRECT
    )
    address_hash: Mapped[str] = mapped_column(String(64))
    browser_family: Mapped[str] = mapped_column(String(32))

    link: Mapped[ReferralLink] = relationship()


class LinkIntake(Base):
    """The public intake form's submission: the referral it created (in `sent`, through
    send_referral) and the client's e-mail confirmation, which makes it a lead."""

    __tablename__ = "link_intake"
    __table_args__ = (
        Index("ix_link_intake_link_id_created_at", "link_id", "created_at"),
        Index("ix_link_intake_address_hash_created_at", "address_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The link whose page was filled in (the referral's source; credit: link_attribution).
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_link.id"))
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("link_visit.id"))
    # One form, one referral: the form's token; a second post finds the first intake.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The confirmation link carries it; a new nonce revokes the links sent before.
    confirm_nonce: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address_hash: Mapped[str] = mapped_column(String(64))
    browser_family: Mapped[str] = mapped_column(String(32))
    # An open referral of the same client to the same receiver: held for the receiver to
    # judge, never refused to the client.
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[ReferralLink] = relationship()
    referral: Mapped[Referral] = relationship(foreign_keys=[referral_id])

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class LinkAttribution(Base):
    """The link a referral is credited to, by the touch model and window of the link whose
    page was filled in: the first or the last visit within the window."""

    __tablename__ = "link_attribution"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_link.id"), index=True)
    touch: Mapped[Touch] = mapped_column(enum_column_type(Touch, "touch"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("link_visit.id"))
    # When the credited visit happened (the intake's moment when no visit is known).
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    link: Mapped[ReferralLink] = relationship()
    visit: Mapped[LinkVisit | None] = relationship()


class LinkConversion(Base):
    """One step of an attributed referral, counted once for its link (app/links/conversions.py).

    `value` is the closed-business value: professional referrals only, on `closed`.
    """

    __tablename__ = "link_conversion"
    __table_args__ = (
        UniqueConstraint("referral_id", "kind"),
        CheckConstraint("kind = 'closed' OR value IS NULL", name="value_on_close"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        Index("ix_link_conversion_link_id_at", "link_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("referral_link.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    kind: Mapped[ConversionKind] = mapped_column(
        enum_column_type(ConversionKind, "conversion_kind")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    link: Mapped[ReferralLink] = relationship()
    referral: Mapped[Referral] = relationship()
