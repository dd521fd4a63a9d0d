"""Views marked @reads_only (app/reads.py) read without a transaction around them; the few
writes their requests still make stand alone and are kept: the end of an idle session, a
session's and a token's "last seen"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select, update

from app.models import ApiToken, UserSession
from tests.test_api import API, bearer


def _fresh(db):
    """What the database holds now, not what this session remembers."""
    db.session.remove()
    return db.session


def test_an_idle_session_ends_on_a_list_page(make, login, db):
    user = make.practitioner()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        client = login(user)
        db.session.remove()  # each request with a session of its own, as on a server
        assert client.get("/referrals/?box=inbox").status_code == 200
        clock.shift(timedelta(minutes=20))
        db.session.remove()
        assert client.get("/referrals/?box=inbox").status_code == 200
        seen = _fresh(db).scalar(select(UserSession.last_seen_at))
        assert seen.replace(tzinfo=UTC) == datetime.now(UTC)  # noted, kept
        # The server's row idled out while the cookie did not: the row is deleted for good.
        session = _fresh(db)
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.execute(update(UserSession).values(last_seen_at=an_hour_ago))
        session.commit()
        db.session.remove()
        response = client.get("/referrals/?box=inbox")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert _fresh(db).scalar(select(func.count()).select_from(UserSession)) == 0


def test_a_token_used_on_the_list_is_noted_and_a_revoked_one_refused(make, client, db):
    user = make.practitioner()
    headers = bearer(db, user)
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False):
        db.session.remove()
        assert client.get(f"{API}/referrals", headers=headers).status_code == 200
        token = _fresh(db).scalars(select(ApiToken)).one()
        assert token.last_used_at.replace(tzinfo=UTC) == datetime.now(UTC)
        token.revoked_at = token.last_used_at
        db.session.commit()
        db.session.remove()
        assert client.get(f"{API}/referrals", headers=headers).status_code == 401
