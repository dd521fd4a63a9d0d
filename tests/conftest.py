"""Fixtures: one app and one migrated database per run; every test starts with empty tables.

The suite runs on SQLite by default and on PostgreSQL with REFNET_TEST_DB=postgres and
TEST_DATABASE_URL (the Makefile runs both when TEST_DATABASE_URL is set). Tables are
emptied after each test rather than rolled back, because browser and concurrency tests
commit from other threads and connections.
"""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.auth.throttle import init_throttle
from app.config import TestConfig
from app.extensions import db as _db
from app.links.service import create_link
from app.models import (
    AdviceRequest,
    Document,
    Message,
    Notification,
    OutboxMessage,
    Programme,
    Reward,
    Role,
    UserSession,
    utcnow,
)
from app.storage import storage
from app.tokens.service import create_token
from tests.factories import Factory

PASSWORD = "correct horse battery"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def pytest_report_header(config):
    return f"refnet test database: {os.environ.get('REFNET_TEST_DB', 'sqlite')}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if os.environ.get("REFNET_TEST_DB") == "postgres":
        url = _postgres_url()
        if not url:
            pytest.exit("REFNET_TEST_DB=postgres needs TEST_DATABASE_URL", returncode=3)
        try:
            _reset_postgres(url)
        except Exception as exc:  # any driver error means: no usable PostgreSQL
            pytest.exit(f"PostgreSQL at TEST_DATABASE_URL is not usable: {exc}", returncode=3)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(TestConfig(database_url))
    app.config["WTF_CSRF_ENABLED"] = False  # test_auth.py checks CSRF on forms with it on
    app.test_client_class = FreshRequestClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_tables() -> None:
    _db.session.rollback()
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


class FreshRequestClient(FlaskClient):
    """Requests reuse the test's app context; give each one a fresh `g`, as a server does."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            # Flask-WTF keeps the request's CSRF token in `g`: another client's would do.
            g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def db(app):
    init_throttle(app)  # each test starts with no failed sign-ins counted
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_tables()
        _db.session.remove()


@pytest.fixture
def make(db) -> Factory:
    return Factory(db.session)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login(client):
    """Sign a user in through the real form; returns the test client."""

    def sign_in(user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on localhost (aiosmtpd); yields the list of received messages."""
    from tests.smtp import LocalSMTPServer

    with LocalSMTPServer() as server:
        old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server.messages
        finally:
            app.config.update(old)


@pytest.fixture
def world(make, db, app):
    """Two networks: the victim's (with a referral, client, document, notification and API
    token) and another; a user of each kind. Used to prove outsiders get nothing."""
    victim_network = make.network(name="Victim Network", kind="clinical")
    other_network = make.network(name="Other Network", kind="clinical")
    a = make.member(victim_network, name="Victim GP Practice")
    b = make.member(victim_network, name="Victim Cardiology Clinic", specialties=["Cardiology"])
    x = make.member(other_network, name="Outsider Practice")
    users = {
        "sender": make.practitioner(a, email="victim.a@example.org"),
        "receiver": make.practitioner(b, email="victim.b@example.org"),
        "coordinator": make.user(Role.COORDINATOR, networks=[victim_network]),
        "admin": make.user(Role.ADMIN),
        "outsider": make.practitioner(x),
        "other_coordinator": make.user(Role.COORDINATOR, networks=[other_network]),
    }
    client = make.client(victim_network, family_name="Quillfeather")
    referral = make.referral(a, b, client=client, reason="MARKER-REASON-7731")
    data = b"%PDF-1.4 victim letter"
    key = "victimdocument0000000000000000ab"
    storage().delete(key)  # a fixed key, written again by each test
    storage().put(key, data, "application/pdf")
    document = Document(
        referral_id=referral.id,
        filename="letter.pdf",
        content_type="application/pdf",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    notification = Notification(
        user_id=users["receiver"].id,
        referral_id=referral.id,
        kind="send",
        message="MARKER-REASON-7731",
    )
    # An advice request the sender asked the receiver, with a message and a document.
    advice = AdviceRequest(
        network_id=victim_network.id,
        asker_id=a.id,
        asked_member_id=b.id,
        client_id=client.id,
        kind="clinical",
        subject="Victim advice",
        question="MARKER-REASON-7731 asked as advice",
        answer_due_at=utcnow(),
    )
    db.session.add(advice)
    db.session.flush()
    message = Message(
        referral_id=referral.id,
        author_id=users["receiver"].id,
        side="receiver",
        member_id=b.id,
        body="MARKER-REASON-7731 in a message",
    )
    advice_key = "victimadvicedocument00000000000ab"[:32]
    storage().delete(advice_key)
    storage().put(advice_key, data, "application/pdf")
    advice_document = Document(
        advice_request_id=advice.id,
        filename="advice-letter.pdf",
        content_type="application/pdf",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=advice_key,
    )
    db.session.add_all([document, notification, message, advice_document])
    token, _ = create_token(users["receiver"], "victim token")
    signed_in = UserSession(user_id=users["receiver"].id, key_hash="0" * 64)
    undelivered = OutboxMessage(
        to="victim.b@example.org",
        subject="Referral accepted",
        body="MARKER-REASON-7731",
        attempts=8,
        last_error="451 try again later",
        failed_at=utcnow(),
    )
    db.session.add_all([signed_in, undelivered])
    link = create_link(None, b.id, owner_member_id=a.id, label="MARKER-REASON-7731 link")
    db.session.commit()
    # A thanks programme of the victim's clinical network (its name carries a marker) and
    # the reward it gave the sender.
    programme = Programme(
        network_id=victim_network.id,
        owner_member_id=b.id,
        name="Thanks from Victim Cardiology Clinic",
        clinical=True,
        rewarded="referrer",
        reward_kind="thanks",
        stage="closed",
        leaderboard=False,
    )
    db.session.add(programme)
    db.session.flush()
    reward = Reward(
        programme_id=programme.id,
        network_id=victim_network.id,
        clinical=True,
        referral_id=referral.id,
        earner_role="referrer",
        earner_member_id=a.id,
        stage="closed",
        kind="thanks",
    )
    db.session.add(reward)
    db.session.commit()
    ids = {
        "referral_id": referral.id,
        "member_id": b.id,
        "user_id": users["receiver"].id,
        "document_id": document.id,
        "notification_id": notification.id,
        "token_id": token.id,
        "advice_id": advice.id,
        "session_id": signed_in.id,
        "message_id": undelivered.id,
        "network_id": victim_network.id,
        "link_id": link.id,
        # A link's code is the credential of its public page (which names its members):
        # the matrix tries a code that opens nothing.
        "code": "ZZZZZZZZZZ",
        "action": "accept",
        "verb": "deactivate",
        "token": "not-a-valid-invitation",
        "table": "members",
        "fmt": "csv",
        "programme_id": programme.id,
        "reward_id": reward.id,
        "toggle": "pause",
        "decision": "approve",
        "figures": "summary",
        "batch": "N1-20260101000000-abcdef",
    }
    return {
        "reward": reward,
        "users": users,
        "ids": ids,
        "referral": referral,
        "member": b,
        "token": token,
        "notification": notification,
        "session": signed_in,
        "undelivered": undelivered,
        "advice": advice,
        "link": link,
    }
