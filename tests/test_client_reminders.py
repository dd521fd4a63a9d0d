"""Appointment reminders to clients (issue 11 item 7): a week and a day before, each once,
only to clients who agreed to be contacted, again for a moved appointment."""

from __future__ import annotations

from datetime import timedelta

from app.followup.engine import tick
from app.models import OutboxMessage
from tests.client_contact import CLIENT_EMAIL, CLINICAL_TEXT, client_emails, scheduled
from tests.test_api import act, make_net


def _reminders(db) -> list[OutboxMessage]:
    kind = "appointment-reminder"
    return [m for m in client_emails(db) if m.headers.get("X-Refnet-Client-Email") == kind]


def _new(db, now) -> int:
    """How many appointment reminders one tick at `now` queued (the receiver's own
    reminders of the visit stage are not counted here)."""
    before = len(_reminders(db))
    tick(now)
    return len(_reminders(db)) - before


def test_a_week_and_a_day_before_each_once(client, make, db):
    net = make_net(make, db)
    referral, at = scheduled(client, net, days=10)

    assert _new(db, at - timedelta(days=8)) == 0
    assert _new(db, at - timedelta(days=7)) == 1
    assert _new(db, at - timedelta(days=7)) == 0  # a second tick sends nothing
    assert _new(db, at - timedelta(days=3)) == 0
    assert _new(db, at - timedelta(days=1)) == 1
    assert _new(db, at - timedelta(hours=2)) == 0
    sent = _reminders(db)
    assert len(sent) == 2 and all(m.to == CLIENT_EMAIL for m in sent)
    keys = [m.headers["X-Refnet-Reminder"] for m in sent]
    assert keys == [
        f"{referral['id']}:client-appointment:0",
        f"{referral['id']}:client-appointment:1",
    ]
    for message in sent:
        assert message.attachments and message.attachments[0]["filename"] == "appointment.ics"
        assert not any(secret in message.body for secret in CLINICAL_TEXT)


def test_a_moved_appointment_is_reminded_of_again(client, make, db):
    net = make_net(make, db)
    referral, at = scheduled(client, net, days=10)
    assert _new(db, at - timedelta(days=7)) == 1
    later = at + timedelta(days=5)
    moved = act(client, net["b"], referral, "reschedule", appointment_at=later.isoformat())
    assert moved.status_code == 200, moved.get_json()
    assert _new(db, at - timedelta(days=6)) == 0  # the new one is 12 days away
    assert _new(db, later - timedelta(days=7)) == 1
    assert _reminders(db)[-1].headers["X-Refnet-Reminder"].endswith(":client-appointment:10")


def test_after_a_downtime_only_the_latest_and_never_without_consent(client, make, db):
    net = make_net(make, db)
    _, at = scheduled(client, net, days=10)
    assert _new(db, at - timedelta(hours=20)) == 1  # the day-before one only
    assert len(_reminders(db)) == 1

    _, at2 = scheduled(client, net, days=10, contact_consent=False, family_name="Byron")
    assert _new(db, at2 - timedelta(days=1)) == 0
