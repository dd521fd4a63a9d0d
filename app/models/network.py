"""A referral network and its rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.columns import enum_column_type
from app.models.enums import NetworkKind


def default_deadlines() -> dict[str, Any]:
    """The follow-up rules: deadlines per stage and priority (DESIGN.md defaults), reminder
    cadence and holiday country. Read through app/followup/rules.py, never directly."""
    return {
        "respond": {
            "stat": {"hours": 4},
            "asap": {"business_days": 1},
            "urgent": {"business_days": 2},
            "routine": {"business_days": 5},
        },
        "visit": {
            "stat": {"days": 1},
            "asap": {"days": 3},
            "urgent": {"days": 7},
            "routine": {"days": 30},
        },
        "close": {"days": 7},
        # The first reminder at the deadline, then every N business days, at most M.
        "remind_every_business_days": 2,
        "remind_at_most": 3,
        # ISO 3166 country whose public holidays are not business days; None: weekends only.
        "holiday_country": None,
    }


class Network(Base):
    __tablename__ = "network"
    __table_args__ = (
        CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_months_range"),
        CheckConstraint("expire_after_days BETWEEN 1 AND 365", name="expire_after_days_range"),
        CheckConstraint("escalate_after_reminders >= 1", name="escalate_after_positive"),
        CheckConstraint("reopen_within_days BETWEEN 1 AND 365", name="reopen_within_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[NetworkKind] = mapped_column(enum_column_type(NetworkKind, "network_kind"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # A referral stays valid this many months from its first visit.
    validity_months: Mapped[int] = mapped_column(default=12)
    # Unanswered referrals expire after this many days.
    expire_after_days: Mapped[int] = mapped_column(default=30)
    # Coordinators are escalated to after this many reminders on one stage.
    escalate_after_reminders: Mapped[int] = mapped_column(default=2)
    # A closed or cancelled referral may be reopened this many days after it ended.
    reopen_within_days: Mapped[int] = mapped_column(default=30, server_default="30")
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, default=default_deadlines)
    # Thresholds of the member traffic lights (app/reports/health.py); None: the defaults.
    # Deferred: read only by the reports, so that loading a network never needs it (code
    # and tests that run against an older revision of the schema keep working).
    health_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    # Admins and this network's coordinators must sign in with a second factor (TOTP).
    # Deferred: read at sign-in and on the rules page, not with every signed-in user.
    mfa_required_for_staff: Mapped[bool] = mapped_column(
        default=False, server_default=false(), deferred=True
    )
    # The "most thanked / most completed" table on the network report (off: not shown).
    show_leaderboard: Mapped[bool] = mapped_column(
        default=False, server_default=false(), deferred=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Reward programmes (app/rewards): a professional network may allow rewards worth money,
    # off by default; then the intake page shows the disclosure. Clinical networks never.
    # Deferred, no Python default: see health_rule.
    monetary_rewards_allowed: Mapped[bool] = mapped_column(server_default=false(), deferred=True)
    reward_disclosure: Mapped[str | None] = mapped_column(Text, deferred=True)

    __mapper_args__ = {"eager_defaults": False}

    @property
    def is_clinical(self) -> bool:
        return self.kind in (NetworkKind.CLINICAL, NetworkKind.MIXED)

    @property
    def is_professional(self) -> bool:
        return self.kind in (NetworkKind.PROFESSIONAL, NetworkKind.MIXED)

    def __repr__(self) -> str:
        return f"<Network {self.id} {self.name!r}>"
