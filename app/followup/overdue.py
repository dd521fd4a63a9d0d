"""Which referrals are overdue, by the network's rules: the SQL every page, the engine and the
coordinators' worklist share.

A referral is overdue at a stage when its stage clock started at or before the rules'
`due_cutoff` for its network and priority, so each query is one indexed range per network
and priority (`ix_referral_network_id_status_sent_at` and the partial indexes of the visit
and outcome stages), exact to the business day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, union_all

from app.extensions import db
from app.followup.rules import ANSWER, STAGE_STATUSES, STAGES, Rules, rules_of, stage_started
from app.models import Network, Priority, Referral
from app.models.base import UTCDateTime


def rules_for(network_ids: list[int] | None) -> dict[int, Rules]:
    """The rules of these networks (every network for None)."""
    query = select(Network)
    if network_ids is not None:
        query = query.where(Network.id.in_(network_ids))
    return {n.id: rules_of(n) for n in db.session.scalars(query)}


def not_snoozed(now: datetime) -> ColumnElement[bool]:
    """SQL: no coordinator set the referral's follow-up aside past `now` (the worklist's
    snooze). Every overdue query — pages, worklist, the engine's scans — goes through here."""
    return or_(Referral.followup_snoozed_until.is_(None), Referral.followup_snoozed_until <= now)


def overdue_condition(
    stage: str, rules: dict[int, Rules], now: datetime, *, not_before: bool = False
) -> ColumnElement[bool]:
    """SQL: the referral waits at `stage` and its deadline has passed at `now`.

    With `not_before`, also no longer ago than the last reminder or escalation could be due
    (plus a grace period): the engine's scan, which leaves long-done history alone."""
    started = stage_started(stage)
    ranges = []
    for network_id, rule in rules.items():
        for priority in Priority:
            bounds = [
                Referral.network_id == network_id,
                Referral.priority == priority,
                started <= rule.due_cutoff(stage, priority, now),
            ]
            if not_before:
                reach = rule.longest_span(stage, priority) + GRACE
                if stage == ANSWER:  # older unanswered ones expire in the same tick
                    reach = min(reach, timedelta(days=rule.expire_after_days))
                bounds.append(started >= now - reach)
            ranges.append(and_(*bounds))
    if not ranges:
        return false()
    return and_(Referral.status.in_(STAGE_STATUSES[stage]), or_(*ranges), not_snoozed(now))


def newly_due_condition(
    stage: str, rules: dict[int, Rules], since: datetime, now: datetime
) -> ColumnElement[bool]:
    """SQL: the referral waits at `stage` and one of its reminder steps or its escalation
    fell due in (since, now]: a few narrow ranges of the waiting index, whatever the size of
    the network (the per-minute scan of the reminder tick)."""
    started = stage_started(stage)
    ranges = []
    for network_id, rule in rules.items():
        for priority in Priority:
            for after in rule.step_offsets():
                low = rule.due_cutoff(stage, priority, since, after)
                high = rule.due_cutoff(stage, priority, now, after)
                if high > low:
                    ranges.append(
                        and_(
                            Referral.network_id == network_id,
                            Referral.priority == priority,
                            started > low,
                            started <= high,
                        )
                    )
    if not ranges:
        return false()
    return and_(Referral.status.in_(STAGE_STATUSES[stage]), or_(*ranges), not_snoozed(now))


# How long after its last reminder fell due a missed one is still sent (catch-up after
# downtime); older waits stay on the coordinators' worklist without more reminders.
GRACE = timedelta(days=30)


@dataclass(frozen=True)
class Overdue:
    """One referral past its deadline at one stage."""

    referral_id: int
    network_id: int
    stage: str
    priority: Priority
    started_at: datetime
    deadline: datetime
    sender_id: int
    receiver_id: int

    def late_by(self, now: datetime) -> timedelta:
        return now - self.deadline


def overdue_referrals(
    network_ids: list[int] | None,
    now: datetime,
    *,
    stages: tuple[str, ...] = STAGES,
    receiver_ids: list[int] | None = None,
    limit: int | None = None,
    rules: dict[int, Rules] | None = None,
) -> list[Overdue]:
    """Overdue referrals of these networks (all for None), most overdue first: one SELECT
    (the stages in a UNION ALL), plus one for the rules unless they are given.

    The worklist, the dashboards and the reminder engine's callers read this; the caller
    has checked that the acting user sees these networks (policy.manages_network)."""
    rules = rules if rules is not None else rules_for(network_ids)
    parts = []
    for stage in stages:
        started = stage_started(stage)
        part = select(
            literal(stage).label("stage"),
            Referral.id,
            Referral.network_id,
            Referral.priority,
            started.label("started_at"),
            Referral.sender_id,
            Referral.receiver_id,
        ).where(overdue_condition(stage, rules, now))
        if receiver_ids is not None:
            part = part.where(Referral.receiver_id.in_(receiver_ids))
        if limit is not None:
            part = part.order_by(started).limit(limit).subquery().select()
        parts.append(part)
    if not parts:
        return []
    found = []
    for row in db.session.execute(union_all(*parts)):
        started_at = UTCDateTime().process_result_value(row.started_at, db.engine.dialect)
        deadline = rules[row.network_id].deadline(row.stage, row.priority, started_at)
        found.append(
            Overdue(
                row.id,
                row.network_id,
                row.stage,
                Priority(row.priority),
                started_at,
                deadline,
                row.sender_id,
                row.receiver_id,
            )
        )
    found.sort(key=lambda o: o.deadline)
    return found[:limit] if limit is not None else found


def count_overdue(network_ids: list[int] | None, now: datetime) -> dict[str, int]:
    """How many referrals are overdue at each stage: one statement, an index-only range
    count per stage (the waiting indexes carry the snooze column)."""
    rules = rules_for(network_ids)
    counts = [
        select(func.count())
        .select_from(Referral)
        .where(overdue_condition(stage, rules, now))
        .scalar_subquery()
        for stage in STAGES
    ]
    return dict(
        zip(STAGES, (n or 0 for n in db.session.execute(select(*counts)).one()), strict=True)
    )
