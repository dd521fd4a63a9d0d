"""COUNT_STATEMENTS: an X-Statement-Count header for the HTTP benchmark, off unless asked for."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app import create_app
from app.config import Config, TestConfig
from app.extensions import db as _db
from app.statement_count import HEADER
from app.tokens.service import create_token


@pytest.fixture
def counting_app(database_url):
    """A second app on the test database, with the counter on."""
    config = TestConfig(database_url)
    config.COUNT_STATEMENTS = True
    app = create_app(config)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def inbox(make, db):
    """A receiver with three referrals in its inbox, and a bearer token for it."""
    sender, receiver = make.member(name="Sender Practice"), make.member(name="Receiver Clinic")
    for _ in range(3):
        make.referral(sender, receiver)
    user = make.practitioner(receiver)
    _token, secret = create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_counts_each_request_own_statements(counting_app, inbox):
    client = counting_app.test_client()
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        seen.append(statement)

    def counted(path: str, **kw) -> tuple[int, int]:
        """The header's count and the statements seen meanwhile by a listener of our own."""
        seen.clear()
        response = client.get(path, **kw)
        assert response.status_code == 200
        return int(response.headers[HEADER]), len(seen)

    with counting_app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        # The first use of a token also notes it (an UPDATE): a count of its own.
        first, seen_first = counted("/api/v1/referrals?box=inbox", headers=inbox)
        second, seen_second = counted("/api/v1/referrals?box=inbox", headers=inbox)
        third, _ = counted("/api/v1/referrals?box=inbox", headers=inbox)
        anonymous, seen_anonymous = counted("/login")
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    # The token with its user, the page: several statements, every one counted.
    assert first == seen_first > second == seen_second >= 2
    assert third == second  # nothing carried over from one request to the next
    assert anonymous == seen_anonymous == 0  # an anonymous form runs no SQL


def test_off_by_default(client, inbox, monkeypatch):
    response = client.get("/api/v1/referrals?box=inbox", headers=inbox)
    assert response.status_code == 200
    assert HEADER not in response.headers
    monkeypatch.delenv("COUNT_STATEMENTS", raising=False)
    assert Config().COUNT_STATEMENTS is False
    monkeypatch.setenv("COUNT_STATEMENTS", "1")
    assert Config().COUNT_STATEMENTS is True
