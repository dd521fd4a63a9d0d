"""A login, its role, and the members or networks it acts for."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import Role

if TYPE_CHECKING:
    from app.models.member import Member
    from app.models.network import Network

# A practitioner acts for one or more members (a doctor who works in two practices).
user_member = Table(
    "user_member",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# A coordinator looks after one or more networks.
user_network = Table(
    "user_network",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class User(UserMixin, Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("reminder_mail IN ('immediate', 'digest')", name="reminder_mail_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    # None until an invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last invitation was sent: a new one makes the links of the older ones void.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminder e-mails one by one ("immediate") or gathered in one daily digest ("digest").
    reminder_mail: Mapped[str] = mapped_column(
        String(16), default="immediate", server_default="immediate"
    )

    members: Mapped[list[Member]] = relationship(
        secondary=user_member, lazy="selectin", order_by="Member.name"
    )
    networks: Mapped[list[Network]] = relationship(
        secondary=user_network, lazy="selectin", order_by="Network.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def member_ids(self) -> list[int]:
        return [m.id for m in self.members]

    @property
    def coordinated_network_ids(self) -> list[int]:
        """The networks this user looks after as a coordinator."""
        return [n.id for n in self.networks]

    @property
    def network_ids(self) -> list[int]:
        """Networks this user works in: its own for coordinators, its members' otherwise."""
        ids = {n.id for n in self.networks} | {m.network_id for m in self.members}
        return sorted(ids)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"


@cache
def acting_user_options() -> tuple:
    """Loader options for the user a request acts as: its members (with their network) and
    networks joined in the user's one SELECT, as access checks and the header read them on
    every page; the members' specialties only when a page reads them. Built once (options
    are immutable): building them anew was a tenth of a page's statement work."""
    from sqlalchemy.orm import joinedload, lazyload, load_only

    from app.models.member import Member
    from app.models.network import Network

    # Only the columns that say who the user is and for whom it acts (the header, access
    # checks, the lists' words and time zones); a page that shows more of a member or network
    # reads it when it does. Fewer columns was a fifth of every signed-in request's time
    # (docs/performance.md).
    network = (Network.id, Network.name, Network.kind, Network.timezone)
    return (
        joinedload(User.members).options(
            load_only(Member.id, Member.network_id, Member.name, Member.kind, Member.active),
            lazyload(Member.specialty_list),
            joinedload(Member.network).load_only(*network),
        ),
        joinedload(User.networks).load_only(*network),
    )
