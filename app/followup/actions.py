"""What a coordinator does from the worklist: remind now, snooze until a date, add a note.

Each action takes the actor first, authorizes with policy.manages_network, writes a step in
the referral's timeline that keeps the status (a ReferralEvent whose from and to status are
the current one; the state machine is for status changes) and an audit row.

"Remind now" writes no `reminder` row: the engine's keys (referral, stage, step) stay its
own, so a manual reminder never takes the place of a scheduled one nor is refused by one.
Its e-mail carries `X-Refnet-Reminder: <referral>:<stage>-manual:<event id>`, unique per
manual reminder, and is queued in the same transaction as its timeline step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app import fields as f
from app.audit.service import record
from app.auth.policy import manages_network, sees_network
from app.extensions import db
from app.followup.messages import tell, users_acting_for
from app.followup.overdue import rules_for
from app.followup.rules import STAGE_LABELS, stage_of
from app.models import Member, Referral, ReferralEvent, User, utcnow
from app.refusals import Forbidden, Invalid, NotFound

NOTE_MAX = 2000
# A snooze lasts at most this long: a longer wait is a decision to cancel or forward.
SNOOZE_MAX = timedelta(days=90)


def _managed_referral(actor: User | None, referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or not sees_network(actor, referral.network_id):
        raise NotFound("There is no such record, or you do not have access to it.")
    if not manages_network(actor, referral.network_id):
        raise Forbidden("Only the network's coordinators and admins follow referrals up.")
    return referral


def _waiting_stage(referral: Referral) -> str:
    stage = stage_of(referral.status)
    if stage is None:
        raise Invalid(
            f"Referral #{referral.id} waits for nobody: it is {referral.status_label.lower()}.",
            {"referral": "This referral is not waiting at a follow-up stage."},
        )
    return stage


def _step(referral: Referral, actor: User | None, action: str, note: str, now: datetime):
    event = ReferralEvent(
        referral_id=referral.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_status=referral.status,
        to_status=referral.status,
        note=note,
        at=now,
    )
    db.session.add(event)
    db.session.flush()
    return event


def add_note(
    actor: User | None, referral_id: int, text, *, now: datetime | None = None
) -> ReferralEvent:
    """A follow-up note ("called the clinic, left a message") in the referral's timeline."""
    referral = _managed_referral(actor, referral_id)
    problems = f.FieldProblems()
    note = f.text(
        problems, "note", text, label="Note", required=True, max_len=NOTE_MAX, multiline=True
    )
    if problems:
        raise Invalid("The note was not added.", problems)
    event = _step(referral, actor, "followup-note", note.strip(), now or utcnow())
    record("followup-note", "referral", referral.id, user=actor)
    return event


def remind_now(actor: User | None, referral_id: int, *, now: datetime | None = None) -> int:
    """Remind the side the referral waits for (its receiver's users; the member's address
    when it has none) at once: a notification each and one e-mail. Returns e-mails queued."""
    now = now or utcnow()
    referral = _managed_referral(actor, referral_id)
    stage = _waiting_stage(referral)
    receiver = db.session.get(Member, referral.receiver_id)
    by = f" by {actor.name}" if actor is not None else ""
    event = _step(
        referral,
        actor,
        "followup-remind",
        f"{receiver.name} reminded{by}: waits for {STAGE_LABELS[stage]}",
        now,
    )
    message = (
        f"Referral #{referral.id} from {referral.from_name} waits for {STAGE_LABELS[stage]}: "
        f"a coordinator asks you to act on it"
    )
    emails = tell(
        users_acting_for(receiver.id),
        referral,
        "reminder",
        message,
        f"{referral.id}:{stage}-manual:{event.id}",
        fallback_address=receiver.email,
        now=now,
    )
    record("followup-remind", "referral", referral.id, user=actor, detail=stage)
    return emails


def snooze(actor: User | None, referral_id: int, until, *, now: datetime | None = None) -> datetime:
    """Set the referral's follow-up aside until the start of `until` (a date, in the network's
    timezone): off the worklist and the overdue counts, no reminders. Returns the moment."""
    now = now or utcnow()
    referral = _managed_referral(actor, referral_id)
    _waiting_stage(referral)
    problems = f.FieldProblems()
    day = f.day(problems, "until", until, label="Snooze until")
    rules = rules_for([referral.network_id])[referral.network_id]
    today = now.astimezone(rules.timezone).date()
    if day is not None and not today < day <= today + SNOOZE_MAX:
        problems["until"] = (
            f"Snooze until must be a date after today and at most {SNOOZE_MAX.days} days ahead."
        )
    if problems:
        raise Invalid("The referral was not snoozed.", problems)
    moment = _start_of(day, rules.timezone)
    referral.followup_snoozed_until = moment
    _step(referral, actor, "followup-snooze", f"Follow-up snoozed until {day:%d %b %Y}", now)
    record("followup-snooze", "referral", referral.id, user=actor, detail=day.isoformat())
    return moment


def _start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)
