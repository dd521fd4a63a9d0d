"""A directed referral and its append-only timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import REASON_CODE_LABELS, Priority, ReasonCode, ReferralKind, Status
from app.referrals.status_rules import (
    STAGE_FIELDS,
    label_of,
    shown_status,
    statuses_that_may,
    statuses_that_must,
)

if TYPE_CHECKING:
    from app.models.client import Client
    from app.models.member import Member
    from app.models.user import User


# What pages, lists and messages say instead of the sender's name when no member sent it.
FROM_OWN_LINK = "A client, through the member's own link"
# Where a referral comes from (the API's `origin`): a member sent it, or a client came in
# through the receiver's own link (no sender).
ORIGINS = ("member", "own_link")


def origin_of(sender_id: int | None) -> str:
    return "member" if sender_id is not None else "own_link"


def _status_in(statuses: list[Status]) -> str:
    """SQL: the status is one of these (the column is a VARCHAR on every database)."""
    if len(statuses) == 1:
        return f"status = '{statuses[0].value}'"
    return "status IN ({})".format(", ".join(f"'{s.value}'" for s in statuses))


def _status_not_in(statuses: list[Status]) -> str:
    if len(statuses) == 1:
        return f"status <> '{statuses[0].value}'"
    return "status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in statuses))


def stage_field_checks() -> list[CheckConstraint]:
    """The CHECK constraints that tie each stage field to the statuses of the rules table.

    Where the statuses that must carry a field are those that may, one constraint holds
    both ways (`<field>_by_status`); otherwise one says who must carry it
    (`<field>_required`) and one that nobody else does (`<field>_allowed`).
    """
    checks = []
    for field in STAGE_FIELDS:
        must, may = statuses_that_must(field), statuses_that_may(field)
        if must == may and must:
            condition = f"({_status_in(must)}) = ({field} IS NOT NULL)"
            checks.append(CheckConstraint(condition, name=f"{field}_by_status"))
            continue
        if must:
            condition = f"{_status_not_in(must)} OR {field} IS NOT NULL"
            checks.append(CheckConstraint(condition, name=f"{field}_required"))
        condition = f"{_status_in(may)} OR {field} IS NULL" if may else f"{field} IS NULL"
        checks.append(CheckConstraint(condition, name=f"{field}_allowed"))
    return checks


# What the database itself guarantees about a referral, whatever code writes it.
REFERRAL_CHECKS = (
    # A NULL sender passes: a client who came through the receiver's own link (app/links).
    CheckConstraint("sender_id <> receiver_id", name="not_to_self"),
    CheckConstraint("version >= 1", name="version_positive"),
    # Clinical referrals never carry money (Anti-Kickback Statute, Stark law).
    CheckConstraint("kind = 'professional' OR business_value IS NULL", name="clinical_no_value"),
    CheckConstraint("business_value IS NULL OR business_value >= 0", name="value_not_negative"),
    CheckConstraint("sender_wait_seconds >= 0", name="sender_wait_not_negative"),
    *stage_field_checks(),
)


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (
        *REFERRAL_CHECKS,
        # Inbox, outbox and network lists: filter by party and status, newest first.
        Index("ix_referral_receiver_id_status_sent_at", "receiver_id", "status", "sent_at"),
        Index("ix_referral_sender_id_status_sent_at", "sender_id", "status", "sent_at"),
        Index("ix_referral_network_id_status_sent_at", "network_id", "status", "sent_at"),
        # Reciprocity reports aggregate pairs over a period; the reason counts join a
        # network's referrals of the period to their events by id (PostgreSQL: from the
        # index alone, with the kind a report may filter on).
        Index(
            "ix_referral_network_id_sent_at",
            "network_id",
            "sent_at",
            postgresql_include=["id", "kind"],
        ),
        # The network report groups by receiver from the index alone (app/reports; on
        # PostgreSQL the index carries the columns the figures read).
        Index(
            "ix_referral_network_id_receiver_id_sent_at",
            "network_id",
            "receiver_id",
            "sent_at",
            postgresql_include=[
                "sender_id",
                "kind",
                "status",
                "accepted_at",
                "declined_at",
                "visited_at",
                "closed_at",
                "business_value",
            ],
        ),
        # An admin's list of every referral, newest first, paged on (sent_at, id).
        Index("ix_referral_sent_at_id", "sent_at", "id"),
        Index("ix_referral_client_id_receiver_id", "client_id", "receiver_id"),
        # Overdue counts and the reminder scan (app/followup/overdue.py): the referrals that
        # wait at a stage, by network, priority and when the wait began. Partial, so the
        # closed history costs nothing, and a count is an index-only range per priority (the
        # snooze column rides along: every overdue query tests it).
        Index(
            "ix_referral_network_id_priority_sent_at_waiting",
            "network_id",
            "priority",
            "sent_at",
            "followup_snoozed_until",
            postgresql_where=text("status = 'sent'"),
            sqlite_where=text("status = 'sent'"),
        ),
        Index(
            "ix_referral_network_id_priority_accepted_at_waiting",
            "network_id",
            "priority",
            "accepted_at",
            "followup_snoozed_until",
            postgresql_where=text("status = 'accepted' OR status = 'scheduled'"),
            sqlite_where=text("status = 'accepted' OR status = 'scheduled'"),
        ),
        Index(
            "ix_referral_network_id_priority_visited_at_waiting",
            "network_id",
            "priority",
            "visited_at",
            "followup_snoozed_until",
            postgresql_where=text("status = 'visited'"),
            sqlite_where=text("status = 'visited'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the day counts (app/referrals/day_counts.py) need the old value of a
    # changed network, status or sent_at, even when it was not loaded before the change.
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), active_history=True)
    # None: no member sent it; a client came in through the receiver's own link (the
    # link_intake row says which). Reciprocity leaves such referrals out (app/reports/scope.py).
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
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
    status: Mapped[Status] = mapped_column(
        enum_column_type(Status, "status"), default=Status.SENT, active_history=True
    )
    reason: Mapped[str] = mapped_column(Text)
    service: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, active_history=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While the referral waits on its sender: when the receiver asked, and the question.
    info_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    info_question: Mapped[str | None] = mapped_column(Text)
    # Seconds the referral has waited on its sender's answers (added up at each provide-info):
    # the receiver's answer clock does not run then (app/referrals/clock.py).
    sender_wait_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Decline or cancel reason: a code from a short list (reports count it) and free text.
    reason_code: Mapped[ReasonCode | None] = mapped_column(
        enum_column_type(ReasonCode, "reason_code")
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    business_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Starts at the first visit, not when the referral was written.
    valid_until: Mapped[date | None] = mapped_column(Date)
    # A coordinator set the follow-up aside until then: off the worklist, no reminders
    # (app/followup/overdue.py not_snoozed; app/followup/actions.py snooze).
    followup_snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    sender: Mapped[Member | None] = relationship(foreign_keys=[sender_id])
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

    @property
    def display_status(self) -> str:
        """The status as pages and the API show it: `forwarded` for a forwarded decline."""
        return shown_status(self.status, self.forwarded_to_id)

    @property
    def status_label(self) -> str:
        return label_of(self.status, self.forwarded_to_id)

    @property
    def origin(self) -> str:
        return origin_of(self.sender_id)

    @property
    def from_name(self) -> str:
        """Who it comes from, as pages and messages name it."""
        return self.sender.name if self.sender is not None else FROM_OWN_LINK

    @property
    def reason_label(self) -> str | None:
        return REASON_CODE_LABELS[self.reason_code] if self.reason_code else None


# The referral a forward made from this one (its copy links back with forwarded_from_id):
# read with the row, through the index on forwarded_from_id, so lists need no extra query.
# Derived rather than stored, so that nothing can make the two links disagree.
_copy = Referral.__table__.alias("forward_copy")
Referral.forwarded_to_id = column_property(
    select(_copy.c.id)
    .where(_copy.c.forwarded_from_id == Referral.__table__.c.id)
    .order_by(_copy.c.id)
    .limit(1)
    .correlate_except(_copy)
    .scalar_subquery()
)


class ReferralEvent(Base):
    """One step of a referral's timeline: append-only."""

    __tablename__ = "referral_event"
    __table_args__ = (
        Index("ix_referral_event_referral_id_at", "referral_id", "at"),
        # The network report's reasons: only the events that carry a reason code (about one
        # in fifteen), each with what the count groups by (app/reports/reasons.py).
        Index(
            "ix_referral_event_reason",
            "referral_id",
            "action",
            "reason_code",
            postgresql_where=text("reason_code IS NOT NULL"),
            sqlite_where=text("reason_code IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[Status | None] = mapped_column(enum_column_type(Status, "from_status"))
    to_status: Mapped[Status] = mapped_column(enum_column_type(Status, "to_status"))
    note: Mapped[str | None] = mapped_column(Text)
    # The reason code of a decline, a cancellation or a missed visit.
    reason_code: Mapped[ReasonCode | None] = mapped_column(
        enum_column_type(ReasonCode, "reason_code")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReferralEvent {self.referral_id} {self.action}>"


class ReferralDayCount(Base):
    """How many referrals of a network are in a status, by the day (UTC) they were sent.

    Derived from `referral`, for the dashboards and the network lists' tabs: counting a
    million referrals on every view is what this avoids. Kept in step in the transaction
    that inserts a referral or changes its status (app/referrals/day_counts.py), and
    rebuilt from `referral` after a bulk load (`rebuild_day_counts`, `flask referrals
    recount`).
    """

    __tablename__ = "referral_day_count"
    __table_args__ = (CheckConstraint("n >= 0", name="n_not_negative"),)

    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), primary_key=True)
    status: Mapped[Status] = mapped_column(enum_column_type(Status, "status"), primary_key=True)
    sent_on: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReferralDayCount {self.network_id} {self.status} {self.sent_on} {self.n}>"
