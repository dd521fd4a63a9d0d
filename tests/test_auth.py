"""Signing in and out: hashing, generic errors, throttling, idle time-out, cookies, CSRF."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app import create_app
from app.auth.service import BAD_CREDENTIALS
from app.config import TestConfig
from app.extensions import db as _db
from app.models import AuditLog, Role
from tests.conftest import PASSWORD, csrf_token_from


def _sign_in(client, email, password=PASSWORD, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_password_is_hashed_with_argon2id(make):
    user = make.practitioner()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_unknown_email_and_wrong_password_look_the_same(make, client):
    user = make.practitioner()
    wrong = _sign_in(client, user.email, "not the password")
    unknown = _sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert BAD_CREDENTIALS in wrong.get_data(as_text=True)
    assert BAD_CREDENTIALS in unknown.get_data(as_text=True)
    assert "nobody@example.org" not in unknown.get_data(as_text=True).replace('value="nobody', "")


def test_failed_sign_in_is_audited(make, client, db):
    user = make.practitioner()
    _sign_in(client, user.email, "not the password")
    rows = db.session.query(AuditLog).filter_by(action="sign-in-failed").all()
    assert [(r.entity, r.entity_id) for r in rows] == [("user", user.id)]


def test_sign_in_lands_on_dashboard_and_updates_last_login(make, client, db):
    user = make.practitioner(name="Dr Okafor")
    response = _sign_in(client, user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert "Hello, Dr Okafor" in client.get("/dashboard").get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(make, client):
    user = make.practitioner(active=False)
    assert _sign_in(client, user.email).status_code == 401


def test_invited_user_without_password_cannot_sign_in(make, client):
    user = make.practitioner(password=None)
    assert _sign_in(client, user.email, "refnet-dummy-password").status_code == 401


def test_account_is_throttled_after_repeated_failures(make, client):
    user = make.practitioner()
    for _ in range(5):
        assert _sign_in(client, user.email, "wrong password").status_code == 401
    # Even the right password is refused while throttled.
    blocked = _sign_in(client, user.email)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)


def test_address_is_throttled_across_accounts(make, client):
    for n in range(20):
        assert _sign_in(client, f"guess{n}@example.org", "wrong password").status_code == 401
    user = make.practitioner()
    assert _sign_in(client, user.email).status_code == 429
    # Another address is not affected.
    other = _sign_in(client, user.email, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 302


def test_throttle_window_passes(make, client):
    user = make.practitioner()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        for _ in range(5):
            _sign_in(client, user.email, "wrong password")
        assert _sign_in(client, user.email).status_code == 429
        clock.shift(timedelta(minutes=16))
        assert _sign_in(client, user.email).status_code == 302


def test_idle_session_ends(make, login):
    user = make.practitioner()
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        client = login(user)
        assert client.get("/dashboard").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/dashboard").status_code == 200  # activity keeps it alive
        clock.shift(timedelta(minutes=31))
        response = client.get("/dashboard")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        assert client.get("/dashboard").status_code == 302


def test_sign_out_needs_post_and_ends_session(make, login):
    client = login(make.practitioner())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_next_parameter_cannot_redirect_off_site(make, client):
    user = make.practitioner()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": user.email, "password": PASSWORD},
        )
        assert response.headers["Location"] == "/dashboard", target
        client.post("/logout")
    response = client.post(
        "/login",
        query_string={"next": "/members/"},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/members/"


def test_session_cookie_is_httponly_and_samesite(make, client):
    user = make.practitioner()
    response = _sign_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_csrf_is_enforced_on_forms(make, database_url, db):
    app = create_app(TestConfig(database_url))  # CSRF on, as in production
    # Read it here: inside the other app's context the test's session would borrow a
    # connection from that app's engine (Flask-SQLAlchemy binds by current_app).
    email = make.practitioner().email
    client = app.test_client()
    with app.app_context():
        try:
            refused = _sign_in(client, email)
            assert refused.status_code == 400
            token = csrf_token_from(client.get("/login").get_data(as_text=True))
            accepted = client.post(
                "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
            )
            assert accepted.status_code == 302
            # Signing out without the token is refused too.
            assert client.post("/logout").status_code == 400
        finally:
            _db.session.remove()
            _db.engine.dispose()  # its pooled connections must not outlive the test


def test_anonymous_is_sent_to_sign_in(client, db):
    for path in ("/dashboard", "/members/", "/admin/users/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_practitioner_cannot_open_admin_pages(make, login):
    client = login(make.practitioner())
    for path in ("/admin/users/", "/admin/users/new", "/members/new"):
        assert client.get(path).status_code == 403, path


def test_roles_on_dashboard(make, login):
    make.network(name="Harbour Circle")
    admin = make.user(Role.ADMIN)
    assert "All networks at a glance" in login(admin).get("/dashboard").get_data(as_text=True)
