"""Appointment reminders to clients: a week and a day before, through the same engine.

Only clients who agreed to be contacted and gave an address hear anything (the client
e-mail of the conversation issue: app/referrals/client_mail.py, with the .ics and the
client's link). Each reminder has the engine's unique key (referral, stage, step) in the
`reminder` table, with the stage "client-appointment" and the step
`sequence * 10 + k` — `sequence` counts how many times the appointment was set (0 for the
first, one more for each reschedule) and `k` is the index in BEFORE — so a moved appointment
is reminded of again, and each reminder of each appointment goes once, whichever tick or
worker gets there first. Catch-up sends the latest step only: a worker down for a week does
not send the week-before reminder a day before the appointment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.followup.engine import TickSummary, _insert, _lock
from app.models import Client, Referral, Reminder, Status
from app.referrals.appointment_ics import sequence_of
from app.referrals.client_mail import queue_client_email

STAGE = "client-appointment"
BEFORE = (timedelta(days=7), timedelta(days=1))


def step_of(sequence: int, k: int) -> int:
    return sequence * 10 + k


def remind_clients(now: datetime, summary: TickSummary) -> None:
    """Queue the appointment reminders due at `now` for clients who may be contacted."""
    horizon = now + BEFORE[0]
    candidates = db.session.scalars(
        select(Referral.id)
        .join(Client, Client.id == Referral.client_id)
        .where(
            Referral.status == Status.SCHEDULED,
            Referral.appointment_at > now,
            Referral.appointment_at <= horizon,
            Client.contact_consent.is_(True),
            Client.email.is_not(None),
        )
        .order_by(Referral.id)
    ).all()
    db.session.commit()
    for referral_id in candidates:
        _lock()
        referral = db.session.get(Referral, referral_id)
        if referral is None or referral.status != Status.SCHEDULED:
            db.session.commit()
            continue
        due = [k for k, before in enumerate(BEFORE) if referral.appointment_at - before <= now]
        if not due:
            db.session.commit()
            continue
        k = due[-1]  # the latest step only: no storm after a downtime
        step = step_of(sequence_of(referral), k)
        already = db.session.scalar(
            select(Reminder.id).where(
                Reminder.referral_id == referral.id,
                Reminder.stage == STAGE,
                Reminder.step >= step,
                Reminder.step < step - k + 10,
            )
        )
        final = k == len(BEFORE) - 1
        due_at = referral.appointment_at - BEFORE[k]
        if already is None and _insert(referral.id, STAGE, step, due_at, final, now):
            key = {"X-Refnet-Reminder": f"{referral.id}:{STAGE}:{step}"}
            if queue_client_email(referral, "appointment-reminder", key) is not None:
                summary.emails += 1
                summary.reminders += 1
        db.session.commit()
