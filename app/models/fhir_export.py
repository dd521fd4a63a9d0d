"""A Bulk Data export a user asked for at GET /fhir/$export: the worker runs it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

EXPORT_STATES = ("queued", "running", "done", "failed")


class FhirExportJob(Base):
    __tablename__ = "fhir_export_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("done_referrals >= 0", name="done_not_negative"),
        # The worker claims the oldest queued job.
        Index("ix_fhir_export_job_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The requester: the export holds what this user may see, and only it downloads it.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="queued")
    request_url: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_referrals: Mapped[int | None] = mapped_column()
    done_referrals: Mapped[int] = mapped_column(default=0)
    # The manifest's facts once done: transactionTime and the count of each type.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<FhirExportJob {self.id} {self.state}>"
