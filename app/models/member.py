"""A member of a network: a practitioner or an organisation that sends and receives clients."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import MemberKind

if TYPE_CHECKING:
    from app.models.network import Network


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "(latitude IS NULL AND longitude IS NULL) OR "
            "(abs(latitude) <= 90 AND abs(longitude) <= 180)",
            name="coordinates_valid",
        ),
        Index("ix_member_network_id_active_name", "network_id", "active", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[MemberKind] = mapped_column(enum_column_type(MemberKind, "member_kind"))
    # What a referral to this member is about, e.g. "Cardiology"; searchable in the directory.
    specialty_list: Mapped[list[Specialty]] = relationship(
        back_populates="member",
        cascade="all, delete-orphan",
        order_by="Specialty.name",
        lazy="selectin",
    )
    organization: Mapped[str | None] = mapped_column(String(160))
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    postcode: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    bio: Mapped[str | None] = mapped_column(Text)
    accepting: Mapped[bool] = mapped_column(default=True)
    # New referrals this member can take a week; None means not stated.
    capacity: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    # Where the member sees clients (set by an admin): orders alternatives nearest first.
    # Deferred: read only where distances are needed, so that loading a member never needs
    # them (code and tests that run against an older revision of the schema keep working).
    latitude: Mapped[float | None] = mapped_column(Float, deferred=True)
    longitude: Mapped[float | None] = mapped_column(Float, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    network: Mapped[Network] = relationship(lazy="joined")

    @property
    def specialties(self) -> list[str]:
        return [s.name for s in self.specialty_list]

    @specialties.setter
    def specialties(self, names: list[str]) -> None:
        wanted = []
        for name in names:
            name = " ".join(name.split())
            if name and name.lower() not in {w.lower() for w in wanted}:
                wanted.append(name)
        self.specialty_list = [Specialty(name=n, key=n.lower()) for n in wanted]

    @property
    def receives_referrals(self) -> bool:
        return self.active and self.accepting

    @property
    def location(self) -> str:
        return ", ".join(p for p in (self.city, self.postcode) if p)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.name!r}>"


class Specialty(Base):
    """One specialty or service of a member; `key` is the lower-cased name, for search."""

    __tablename__ = "specialty"
    __table_args__ = (Index("ix_specialty_key_member_id", "key", "member_id"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(80))

    member: Mapped[Member] = relationship(back_populates="specialty_list")
