"""E-mail leaves once, from outside the request: claims, leases, backoff, giving up, retry.

Over a real SMTP server on loopback (aiosmtpd, tests/smtp.py) and the real database; the
clock is moved with time-machine, never slept on.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.mail.delivery import LEASE, MAX_ATTEMPTS, _Batch, backoff, build, message_id
from app.mail.outbox import deliver_all, deliver_pending, queue_email
from app.models import OutboxMessage, Role, utcnow
from tests.conftest import csrf_token_from
from tests.smtp import LocalSMTPServer, free_port
from tests.test_referral_pages import _send, pair  # noqa: F401 - the fixture

START = "2026-03-02 09:00:00+00:00"
REFUSE = "451 4.3.0 Try again later"


@pytest.fixture
def mail_server(app):
    with LocalSMTPServer() as server:
        old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server
        finally:
            app.config.update(old)


def _queue(db, n: int = 1) -> list[int]:
    rows = [queue_email(f"person{i}@example.org", f"Notice {i}", f"Body {i}") for i in range(n)]
    db.session.commit()
    return [row.id for row in rows]


def _row(db, row_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row_id)


def test_two_deliverers_at_once_send_each_message_once(app, db, mail_server):
    """The defect of issue 11: two concurrent deliveries sent 3 messages 6 times. Each thread
    has its own app context, session and connection; a barrier starts them together."""
    ids = _queue(db, 30)
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    sent: list[int] = []
    errors: list[BaseException] = []

    def deliverer():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                while n := deliver_pending(limit=3):  # small batches: the claims interleave
                    sent.append(n)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliverer) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(sent) == 30
    received = sorted(m["Message-ID"] for m in mail_server.messages)
    assert len(received) == len(set(received)) == 30
    assert mail_server.offered == 30
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.id for r in rows] == ids
    assert all(r.sent_at is not None and r.attempts == 1 and r.claimed_by is None for r in rows)
    assert received == sorted(message_id(r) for r in rows)


def test_refused_then_accepted_after_the_backoff(db, mail_server):
    (row_id,) = _queue(db)
    mail_server.refusal = REFUSE
    with time_machine.travel(START, tick=False) as clock:
        assert deliver_all() == 0
        row = _row(db, row_id)
        assert row.sent_at is None and row.failed_at is None and row.attempts == 1
        assert row.last_error == REFUSE and row.claimed_by is None
        retry_at = datetime.fromisoformat(START) + timedelta(minutes=1)
        assert retry_at <= row.next_attempt_at < retry_at + timedelta(seconds=5)

        mail_server.refusal = None
        clock.shift(timedelta(seconds=59))
        assert deliver_all() == 0  # still waiting: not offered again
        assert mail_server.offered == 1

        clock.shift(timedelta(seconds=2))
        assert deliver_all() == 1
        assert deliver_all() == 0
    assert mail_server.offered == 2 and len(mail_server.messages) == 1
    row = _row(db, row_id)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def _refuse_until_given_up(db, mail_server, row_id: int) -> None:
    mail_server.refusal = REFUSE
    with time_machine.travel(START, tick=False) as clock:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert deliver_all() == 0
            assert _row(db, row_id).attempts == attempt
            clock.shift(backoff(attempt) + timedelta(seconds=1))
        assert deliver_all() == 0  # given up: not offered again
    assert mail_server.offered == MAX_ATTEMPTS
    row = _row(db, row_id)
    assert row.failed_at is not None and row.sent_at is None and row.next_attempt_at is not None


def test_given_up_after_the_limit_then_retried_from_the_admin_page(
    app, db, make, login, mail_server
):
    row = queue_email("gp@example.org", "Referral #7 was accepted", "SECRET-BODY-TEXT")
    db.session.commit()
    _refuse_until_given_up(db, mail_server, row.id)

    client = login(make.user(Role.ADMIN))
    page = client.get("/admin/outbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "gp@example.org" in html and "Referral #7 was accepted" in html
    assert "Failed" in html and REFUSE in html and f"{MAX_ATTEMPTS} attempts" in html
    assert "SECRET-BODY-TEXT" not in html  # minimum necessary: no body
    assert 'href="/admin/outbox/"' in html  # in the admin's navigation

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 400  # no token
        assert _row(db, row.id).failed_at is not None

        token = csrf_token_from(client.get("/admin/outbox/").get_data(as_text=True))
        retried = client.post(f"/admin/outbox/{row.id}/retry", data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert retried.status_code == 302
    assert "will be sent again" in client.get("/admin/outbox/").get_data(as_text=True)
    again = _row(db, row.id)
    assert again.failed_at is None and again.attempts == 0 and again.sent_at is None

    mail_server.refusal = None
    assert deliver_all() == 1
    assert [m["To"] for m in mail_server.messages] == ["gp@example.org"]
    assert "gp@example.org" not in client.get("/admin/outbox/").get_data(as_text=True)
    # A message already sent is not sent again by a late retry.
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 409
    assert deliver_all() == 0 and len(mail_server.messages) == 1


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRACTITIONER])
def test_only_admins_see_and_retry_undelivered_mail(db, make, login, role):
    (row_id,) = _queue(db)
    message = _row(db, row_id)
    message.failed_at, message.attempts = message.created_at, MAX_ATTEMPTS
    db.session.commit()
    user = make.practitioner() if role == Role.PRACTITIONER else make.user(role)
    client = login(user)
    assert client.get("/admin/outbox/").status_code == 403
    assert client.post(f"/admin/outbox/{row_id}/retry").status_code == 403
    assert _row(db, row_id).failed_at is not None
    assert 'href="/admin/outbox/"' not in client.get("/dashboard").get_data(as_text=True)


def test_a_lease_left_by_a_killed_process_runs_out_and_the_message_goes_once(db, mail_server):
    (row_id,) = _queue(db)
    with time_machine.travel(START, tick=False) as clock:
        killed = _Batch(None)
        assert killed.claim(10) == [row_id]  # claimed, committed; then the process died
        assert deliver_all() == 0  # the lease still holds it
        clock.shift(LEASE - timedelta(seconds=1))
        assert deliver_all() == 0
        clock.shift(timedelta(seconds=2))
        assert deliver_all() == 1
        assert deliver_all() == 0
    (received,) = mail_server.messages
    row = _row(db, row_id)
    assert row.sent_at is not None and row.claimed_by is None
    # Sent again after a crash between SMTP's answer and our record, it would carry the same
    # Message-ID, so a receiving server can drop the copy.
    assert received["Message-ID"] == message_id(row) == build(row)["Message-ID"]
    assert f".{row_id}." in received["Message-ID"]


def test_an_unreachable_server_leaves_every_message_pending_with_its_backoff(app, db):
    ids = _queue(db, 3)
    closed = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed)
    try:
        with time_machine.travel(START, tick=False) as clock:
            assert deliver_all() == 0
            for row_id in ids:
                row = _row(db, row_id)
                assert row.sent_at is None and row.failed_at is None and row.attempts == 1
                assert row.claimed_by is None and "unreachable" in row.last_error
                assert row.next_attempt_at > datetime.fromisoformat(START)
            with LocalSMTPServer() as server:
                app.config["MAIL_PORT"] = server.port
                assert deliver_all() == 0  # waiting for the backoff
                clock.shift(timedelta(minutes=1, seconds=1))
                assert deliver_all() == 3
                assert deliver_all() == 0
            assert sorted(m["To"] for m in server.messages) == [
                f"person{i}@example.org" for i in range(3)
            ]
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)


def test_a_message_refused_for_good_is_given_up_at_once_and_the_others_go(db, mail_server):
    bad = queue_email("victim@example.org\r\nBcc: x@evil.example", "Hello", "Body")
    db.session.commit()
    ids = _queue(db, 2)
    assert deliver_all() == 2
    row = _row(db, bad.id)
    assert row.failed_at is not None and row.attempts == 1 and "refused" in row.last_error
    mail_server.refusal = "550 5.1.1 No such mailbox"
    (later,) = _queue(db)
    assert deliver_all() == 0
    row = _row(db, later)
    assert row.failed_at is not None and row.attempts == 1
    assert row.last_error == "refused: 550 5.1.1 No such mailbox"
    assert all(_row(db, i).sent_at is not None for i in ids)


def test_without_a_mail_server_messages_stay_in_the_outbox(db):
    (row_id,) = _queue(db)
    assert deliver_all() == 0 and deliver_pending() == 0
    row = _row(db, row_id)
    assert row.sent_at is None and row.attempts == 0 and row.claimed_by is None


def _silent_port():
    """A port that accepts connections and never says a word (an SMTP server that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


@pytest.mark.parametrize("server", ["closed port", "silent server"])
def test_a_page_answers_at_once_and_leaves_the_message_pending(
    app,
    db,
    pair,  # noqa: F811
    login,
    server,
):
    listener = _silent_port() if server == "silent server" else None
    port = listener.getsockname()[1] if listener else free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        client = login(pair["gp_user"])
        started = time.monotonic()
        response = _send(client, pair)
        elapsed = time.monotonic() - started
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        if listener:
            listener.close()
    assert response.status_code == 302
    assert elapsed < 3  # an SMTP client would wait 10 s for the silent server's greeting
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert rows and all(r.sent_at is None and r.attempts == 0 for r in rows)


def test_a_tick_at_a_simulated_moment_waits_for_it_but_respects_live_leases(db, mail_server):
    """`now` (flask reminders tick --now) decides what is due; leases stay on the real clock,
    so a tick simulating a later day never takes a message another process is sending."""
    first, second = _queue(db, 2)
    later = utcnow() + timedelta(days=3)
    busy = _Batch(None)
    assert busy.claim(1) == [first]  # another deliverer is sending it right now
    mail_server.refusal = REFUSE
    assert deliver_all(now=later) == 0
    assert mail_server.offered == 1  # only the free one
    waiting = _row(db, second)
    assert later + timedelta(minutes=1) <= waiting.next_attempt_at
    mail_server.refusal = None
    assert deliver_all() == 0  # on the real clock its retry is days away
    assert deliver_all(now=later + timedelta(minutes=2)) == 1
    assert _row(db, first).sent_at is None and _row(db, first).claimed_by == busy.worker


def test_a_row_locked_by_another_deliverer_is_skipped_without_waiting(app, db, mail_server):
    """PostgreSQL: the claim passes over a row another transaction holds (SKIP LOCKED)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL (REFNET_TEST_DB=postgres)")
    held, free = _queue(db, 2)
    with db.engine.connect() as other:
        other.execute(select(OutboxMessage.id).where(OutboxMessage.id == held).with_for_update())
        started = time.monotonic()
        assert deliver_pending() == 1
        assert time.monotonic() - started < 5
        other.rollback()
    assert [m["To"] for m in mail_server.messages] == ["person1@example.org"]
    assert _row(db, held).sent_at is None and _row(db, free).sent_at is not None
    assert deliver_pending() == 1  # once the lock is gone, the row goes
