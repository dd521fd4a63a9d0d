"""Why referrals ended early, and what came of advice requests: counts for the network report.

Reasons: each decline, cancel and no-show event that carries a reason code (issue 10), of
the referrals the scope counts (sent in the period, of its network and kind), by action and
code. An event, not the referral's current row: a no-show that led to a new date keeps its
code only on its event, and a reopened referral loses its code from the row, not the
timeline. Advice: the network's advice requests asked in the period, by status, and how
many open ones are past their answer deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import REASON_CODE_LABELS, AdviceRequest, Referral, ReferralEvent
from app.models.enums import ReasonCode
from app.reports.scope import Scope

REASON_ACTIONS = ("decline", "cancel", "no-show")
ACTION_WORDS = {"decline": "Declined", "cancel": "Cancelled", "no-show": "Did not come"}


@dataclass(frozen=True)
class ReasonCount:
    action: str
    code: str
    n: int

    @property
    def label(self) -> str:
        return REASON_CODE_LABELS[ReasonCode(self.code)]

    def as_row(self) -> dict:
        return {
            "action": self.action,
            "reason_code": self.code,
            "reason": self.label,
            "count": self.n,
        }


def reason_counts(scope: Scope) -> list[ReasonCount]:
    """Decline, cancel and no-show events with a code, by action and code, most first."""
    rows = db.session.execute(
        select(ReferralEvent.action, ReferralEvent.reason_code, func.count())
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(
            scope.referrals(),
            ReferralEvent.action.in_(REASON_ACTIONS),
            ReferralEvent.reason_code.is_not(None),
        )
        .group_by(ReferralEvent.action, ReferralEvent.reason_code)
    )
    found = [ReasonCount(action, ReasonCode(code).value, n) for action, code, n in rows]
    return sorted(found, key=lambda r: (REASON_ACTIONS.index(r.action), -r.n, r.code))


@dataclass(frozen=True)
class AdviceCounts:
    by_status: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def as_row(self) -> dict:
        return {"asked": self.total, **self.by_status, "open_overdue": self.overdue}


def advice_counts(scope: Scope, now: datetime) -> AdviceCounts:
    """The network's advice requests asked in the period, by status; open ones past due."""
    asked = [AdviceRequest.asked_at >= scope.start, AdviceRequest.asked_at < scope.end]
    if scope.network_id is not None:
        asked.append(AdviceRequest.network_id == scope.network_id)
    if scope.kind is not None:
        asked.append(AdviceRequest.kind == scope.kind)
    by_status = {
        str(getattr(status, "value", status)): n
        for status, n in db.session.execute(
            select(AdviceRequest.status, func.count()).where(*asked).group_by(AdviceRequest.status)
        )
    }
    overdue = db.session.scalar(
        select(func.count(AdviceRequest.id)).where(
            *asked, AdviceRequest.status == "open", AdviceRequest.answer_due_at < now
        )
    )
    return AdviceCounts(by_status, overdue or 0)
