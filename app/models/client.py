"""The person referred: minimum necessary data."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (
        CheckConstraint(
            "(consent = false AND consent_at IS NULL)"
            " OR (consent = true AND consent_at IS NOT NULL)",
            name="consent_has_time",
        ),
        Index("ix_client_network_id_family_name", "network_id", "family_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # An identifier of the sender's system (a record number), never a national id.
    identifier: Mapped[str | None] = mapped_column(String(64))
    consent: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Separate from the consent to share: the client agrees to be e-mailed about the referral
    # (accepted, scheduled, rescheduled) and to get a link to their own page.
    # No Python default, loaded when read: code that writes and reads clients in a database
    # at an older revision (tests/test_migrations.py does) never names the column.
    contact_consent: Mapped[bool] = mapped_column(server_default=false(), deferred=True)
    # The member that first registered this client; its practitioners may pick it again.
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Not read back on INSERT either (see contact_consent).
    __mapper_args__ = {"eager_defaults": False}

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __repr__(self) -> str:
        return f"<Client {self.id}>"
