"""The reminder engine: one tick derives what is due from the database and records it once.

No job per referral: each tick scans the referrals that wait at a stage past their deadline
(app/followup/overdue.py), and for each one inserts the reminder key (referral, stage, step)
that is due — `INSERT … ON CONFLICT DO NOTHING`, so a second tick, a second worker or a
restart cannot insert it again — and, only when the insert took, the notifications and the
one outbox e-mail, in the same transaction.

Catch-up after downtime sends no storm: only the latest step due is inserted; the earlier
steps it skipped are never inserted (the step numbers of a stage may have gaps).
Work is done in small batches, each its own transaction under a PostgreSQL transaction-level
advisory lock, so that ticks at once take turns and a tick killed mid-way loses at most its
uncommitted batch, which the next tick finds still due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, false, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.followup.digest import send_digests
from app.followup.messages import (
    coordinators_of,
    escalation_text,
    reminder_text,
    tell,
    users_acting_for,
)
from app.followup.overdue import newly_due_condition, overdue_condition, rules_for
from app.followup.rules import STAGES, Rules, answer_clock, escalation_stage, stage_started
from app.models import FollowupMark, Member, Referral, Reminder, Status
from app.referrals.errors import ReferralError
from app.referrals.service import perform

BATCH = 200
MARK_ID = 1
# Every so often a tick looks at every overdue referral, not only at what fell due since.
SWEEP_EVERY = timedelta(hours=1)
# The window of a tick starts a little before the last one ended (clocks of workers differ).
OVERLAP = timedelta(minutes=5)
# pg_advisory_xact_lock key of the reminder tick ("refn" in ASCII).
TICK_LOCK = 0x7265666E


@dataclass
class TickSummary:
    expired: int = 0
    reminders: int = 0
    escalations: int = 0
    emails: int = 0
    delivered: int = 0
    swept: bool = False

    def line(self) -> str:
        return (
            f"{self.reminders} reminder(s), {self.escalations} escalation(s), "
            f"{self.expired} expired, {self.emails} e-mail(s) queued, "
            f"{self.delivered} delivered"
        )


def _lock() -> None:
    """Ticks at once take turns, batch by batch (the unique key alone would already keep
    each reminder single; the lock spares the losers their wasted work)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICK_LOCK})


def tick(now: datetime) -> TickSummary:
    """One pass: expire what is past its limit, then queue every reminder and escalation due.

    A tick looks at the reminder steps that fell due since the last tick (a few narrow index
    ranges); every SWEEP_EVERY, on the first tick and after a rules change it sweeps every
    overdue referral instead (which also finds a stage started in the past, such as a visit
    recorded days late). The mark advances only when the whole pass is committed, so a tick
    killed mid-way leaves its window to the next one.
    Commits batch by batch; delivery of the queued e-mails is the caller's (CLI, worker)."""
    summary = TickSummary()
    expire_due(now, summary)
    mark = db.session.get(FollowupMark, MARK_ID)
    sweep = mark is None or mark.swept_at is None or now - mark.swept_at >= SWEEP_EVERY
    since = None if sweep else mark.scanned_until - OVERLAP
    db.session.commit()
    if sweep or since < now:
        for stage in STAGES:
            remind_due(stage, now, summary, since=since)
    summary.emails += send_digests(now)
    from app.followup.appointments import remind_clients  # it builds on this module

    remind_clients(now, summary)
    _advance_mark(now, swept=sweep)
    summary.swept = sweep
    return summary


def _advance_mark(now: datetime, *, swept: bool) -> None:
    _lock()
    mark = db.session.get(FollowupMark, MARK_ID, with_for_update=True)
    if mark is None:
        mark = FollowupMark(id=MARK_ID, scanned_until=now, swept_at=now if swept else None)
        db.session.add(mark)
    else:
        mark.scanned_until = max(mark.scanned_until, now)
        if swept:
            mark.swept_at = max(mark.swept_at or now, now)
    try:
        db.session.commit()
    except IntegrityError:  # another tick wrote the first mark at the same moment
        db.session.rollback()


def sweep_soon() -> None:
    """The next tick sweeps every overdue referral (the rules changed: deadlines moved)."""
    mark = db.session.get(FollowupMark, MARK_ID)
    if mark is not None:
        mark.swept_at = None


# -- expiry -----------------------------------------------------------------------------------


def _expiry_condition(rules: dict[int, Rules], now: datetime):
    started = stage_started("answer")
    ranges = [
        and_(
            Referral.network_id == network_id,
            started <= now - timedelta(days=rule.expire_after_days),
        )
        for network_id, rule in rules.items()
    ]
    return and_(Referral.status == Status.SENT, or_(*ranges) if ranges else false())


def expire_due(now: datetime, summary: TickSummary) -> None:
    """Unanswered referrals past their network's limit become `expired` through the state
    machine (an event with refnet as the actor; the sender is told by `perform`)."""
    rules = rules_for(None)
    condition = _expiry_condition(rules, now)
    candidates = list(db.session.scalars(select(Referral.id).where(condition)))
    db.session.commit()
    for start in range(0, len(candidates), BATCH):
        _lock()
        batch = db.session.scalars(
            select(Referral)
            .where(condition, Referral.id.in_(candidates[start : start + BATCH]))
            .order_by(Referral.id)
        ).all()
        for referral in batch:
            started, paused = answer_clock(referral)
            if rules[referral.network_id].expires_at(started, paused) > now:
                continue
            try:
                with db.session.begin_nested():
                    perform(referral, "expire", None, now=now)
            except (ReferralError, StaleDataError):
                continue  # answered or changed meanwhile: nothing to expire
            summary.expired += 1
        db.session.commit()


# -- reminders --------------------------------------------------------------------------------


def _done(stage: str):
    """SQL: the referral's stage has its final reminder row (nothing more is due)."""
    return exists().where(
        Reminder.referral_id == Referral.id,
        Reminder.final,  # as the partial index ix_reminder_referral_id_final says
        Reminder.stage.in_([stage, escalation_stage(stage)]),
    )


# What the tick reads of each referral it considers: no whole ORM objects (a scan of
# thousands of rows must not load the client, nor the forward link's subquery).
SCAN_COLUMNS = (
    Referral.id,
    Referral.network_id,
    Referral.priority,
    Referral.status,
    Referral.sender_id,
    Referral.receiver_id,
    Referral.sent_at,
    Referral.accepted_at,
    Referral.visited_at,
    Referral.sender_wait_seconds,
)


def due_scan(
    stage: str,
    now: datetime,
    rules: dict[int, Rules],
    ids: list[int] | None = None,
    since: datetime | None = None,
) -> list:
    """The referrals that may have a reminder due at `stage`, not done: those with a step
    that fell due in (since, now] — the per-minute scan, benchmarked in bench/reminders.py —
    or, without `since`, every overdue one within reach of its last reminder (the sweep).
    With `ids`, only those: a batch read again under the tick's lock."""
    if since is None:
        condition = overdue_condition(stage, rules, now, not_before=True)
    else:
        condition = newly_due_condition(stage, rules, since, now)
    query = select(*SCAN_COLUMNS).where(condition, ~_done(stage))
    if ids is not None:
        query = query.where(Referral.id.in_(ids))
    return db.session.execute(query.order_by(Referral.id)).all()


def _sent_so_far(referral_ids: list[int], stage: str) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(Reminder.referral_id, Reminder.stage, func.max(Reminder.step))
        .where(
            Reminder.referral_id.in_(referral_ids),
            Reminder.stage.in_([stage, escalation_stage(stage)]),
        )
        .group_by(Reminder.referral_id, Reminder.stage)
    )
    return {(r, s): step for r, s, step in rows}


def _insert(referral_id: int, stage: str, step: int, due_at, final: bool, now) -> bool:
    """Insert the key; False when it exists already (another tick was first)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Reminder)
        .values(
            referral_id=referral_id,
            stage=stage,
            step=step,
            due_at=due_at,
            created_at=now,
            final=final,
        )
        .on_conflict_do_nothing(index_elements=["referral_id", "stage", "step"])
        .returning(Reminder.id)
    )
    return db.session.execute(statement).scalar() is not None


def _latest_step(rule: Rules, deadline: datetime, now: datetime) -> int:
    step = 0
    while step + 1 < rule.remind_at_most and rule.step_due(deadline, step + 1) <= now:
        step += 1
    return step


def _started(referral: Referral, stage: str) -> tuple[datetime, timedelta]:
    """When the referral began to wait at this stage, and how long the clock was paused."""
    if stage == "answer":
        return answer_clock(referral)
    started = referral.accepted_at if stage == "visit" else referral.visited_at
    return started, timedelta(0)


def remind_due(
    stage: str, now: datetime, summary: TickSummary, since: datetime | None = None
) -> None:
    """Queue the reminders and escalations due at `stage`: one scan, then batches, each
    read again and written under the lock in its own transaction."""
    rules = rules_for(None)
    candidates = [row.id for row in due_scan(stage, now, rules, since=since)]
    db.session.commit()  # the scan only read: no transaction stays open between batches
    for start in range(0, len(candidates), BATCH):
        _lock()
        batch = due_scan(stage, now, rules, ids=candidates[start : start + BATCH], since=since)
        sent = _sent_so_far([row.id for row in batch], stage)
        for referral in batch:
            _remind(referral, stage, rules[referral.network_id], sent, now, summary)
        db.session.commit()


def _remind(referral, stage, rule: Rules, sent, now, summary: TickSummary) -> None:
    started, paused = _started(referral, stage)
    deadline = rule.deadline(stage, referral.priority, started, paused)
    if deadline > now:
        return
    escalation = escalation_stage(stage)
    latest = _latest_step(rule, deadline, now)
    last_sent = sent.get((referral.id, stage), -1)
    escalation_at = rule.escalation_due(deadline)
    escalated = (referral.id, escalation) in sent
    escalate_now = not escalated and escalation_at <= now
    remind_now = latest > last_sent
    # After this tick, is anything left to send at this stage?
    left = latest < rule.remind_at_most - 1 or not (escalated or escalate_now)
    if remind_now:
        key_final = not left and not escalate_now
        due_at = rule.step_due(deadline, latest)
        if _insert(referral.id, stage, latest, due_at, key_final, now):
            receiver = db.session.get(Member, referral.receiver_id)
            summary.reminders += 1
            summary.emails += tell(
                users_acting_for(receiver.id),
                referral,
                "reminder",
                reminder_text(referral, stage, latest, deadline, rule),
                f"{referral.id}:{stage}:{latest}",
                fallback_address=receiver.email,
                now=now,
            )
    if escalate_now and _insert(referral.id, escalation, 0, escalation_at, not left, now):
        summary.escalations += 1
        summary.emails += tell(
            coordinators_of(referral.network_id),
            referral,
            "escalation",
            escalation_text(referral, stage, deadline, rule),
            f"{referral.id}:{escalation}:0",
            now=now,
        )


def reminders_due(now: datetime) -> tuple[dict[str, int], datetime | None]:
    """The worker's backlog for /metrics: per stage, how many referrals have a reminder or
    escalation due that no tick has queued yet; and up to when the ticks have looked."""
    mark = db.session.get(FollowupMark, MARK_ID)
    since = None if mark is None else mark.scanned_until
    rules = rules_for(None)
    counts = {}
    for stage in STAGES:
        if since is None:
            condition = overdue_condition(stage, rules, now, not_before=True)
        else:
            condition = newly_due_condition(stage, rules, since, now)
        counts[stage] = db.session.scalar(
            select(func.count()).select_from(Referral).where(condition, ~_done(stage))
        )
    return counts, since
