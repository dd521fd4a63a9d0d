"""Issue 9 S5: failed sign-ins are throttled per account and address and per address; across
addresses an account is slowed down, never locked, and its owner is told once by e-mail."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.mail.outbox import deliver_all
from app.models import OutboxMessage
from tests.conftest import PASSWORD


def _sign_in(client, email, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_failures_from_one_address_do_not_lock_the_owner_out(make, client):
    user = make.practitioner()
    for _ in range(5):
        assert _sign_in(client, user.email, "wrong password", "203.0.113.9").status_code == 401
    assert _sign_in(client, user.email, address="203.0.113.9").status_code == 429
    assert _sign_in(client, user.email, address="198.51.100.7").status_code == 302


def test_failures_across_addresses_slow_the_account_and_tell_its_owner(make, app, db):
    user = make.practitioner()
    attacker = app.test_client()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        for n in range(12):
            response = _sign_in(attacker, user.email, "wrong password", f"192.0.2.{n}")
            assert response.status_code in (401, 429)
        # Slowed: one attempt per period, from any address; never a 15-minute lock.
        slowed = _sign_in(attacker, user.email, "wrong password", "192.0.2.200")
        assert slowed.status_code == 429
        assert "Wait a few seconds" in slowed.get_data(as_text=True)
        clock.shift(timedelta(seconds=11))
        owner = app.test_client()
        assert _sign_in(owner, user.email, address="198.51.100.7").status_code == 302

    notices = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == user.email))
    (notice,) = notices.all()
    assert "failed sign-ins" in notice.subject


def test_the_owner_is_told_once_per_window(make, app, db):
    user = make.practitioner()
    attacker = app.test_client()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        for n in range(30):
            clock.shift(timedelta(seconds=11))
            _sign_in(attacker, user.email, "wrong password", f"192.0.2.{n}")
        assert _count(db, user.email) == 1
        clock.shift(timedelta(minutes=16))
        for n in range(12):
            clock.shift(timedelta(seconds=11))
            _sign_in(attacker, user.email, "wrong password", f"192.0.2.{n}")
        assert _count(db, user.email) == 2


def test_unknown_accounts_get_no_notice(app, db):
    attacker = app.test_client()
    for n in range(12):
        _sign_in(attacker, "nobody@example.org", "wrong password", f"192.0.2.{n}")
    assert db.session.scalars(select(OutboxMessage)).all() == []


def _count(db, email: str) -> int:
    return len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == email)).all())


def test_the_owners_warning_leaves_with_the_failure_that_queued_it(make, app, db, smtp_server):
    """It waited in the outbox until some other request sent mail (found by the tester); now
    the next delivery (the worker's) sends it, whatever else is queued."""
    user = make.practitioner()
    attacker = app.test_client()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False):
        for n in range(12):
            _sign_in(attacker, user.email, "wrong password", f"192.0.2.{n}")
    deliver_all()
    warned = [m for m in smtp_server if m["To"] == user.email]
    assert len(warned) == 1 and "failed sign-ins" in warned[0]["Subject"]
