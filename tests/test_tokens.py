"""Personal API tokens: the page, the CLI, and what is (not) stored."""

from __future__ import annotations

import hashlib
import re

import pytest

from app.models import ApiToken, AuditLog
from app.tokens.service import create_token, verify_token
from tests.conftest import csrf_token_from


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _secret_on(html: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="(rn_[A-Za-z0-9_-]+)"', html)
    assert match, "no new token on the page"
    return match.group(1)


def test_page_creates_a_token_shown_once_and_stores_only_its_hash(
    make, login, client, db, app, csrf_on
):
    user = make.practitioner()
    app.config["WTF_CSRF_ENABLED"] = False
    login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/tokens/")
    assert page.status_code == 200 and "You have no tokens yet" in page.get_data(as_text=True)
    created = client.post(
        "/tokens/",
        data={"name": "practice sync", "csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = _secret_on(created.get_data(as_text=True))
    assert len(secret) > 40

    token = db.session.query(ApiToken).one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:11] and token.name == "practice sync"
    stored = [str(v) for v in (token.name, token.prefix, token.token_hash)]
    assert secret not in " ".join(stored)

    again = client.get("/tokens/").get_data(as_text=True)
    assert secret not in again
    assert token.prefix in again and "practice sync" in again and "Never" in again

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_create_needs_a_name_and_the_csrf_token(make, login, client, db, app, csrf_on):
    user = make.practitioner()
    app.config["WTF_CSRF_ENABLED"] = False
    login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/tokens/", data={"name": "no csrf"}).status_code == 400
    token = csrf_token_from(client.get("/tokens/").get_data(as_text=True))
    assert client.post("/tokens/", data={"name": " ", "csrf_token": token}).status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_revoke_refuses_the_token_from_then_on(make, login, client, db):
    user = make.practitioner()
    token, secret = create_token(user, "old script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(user)
    response = client.post(f"/tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "Revoked" in client.get("/tokens/").get_data(as_text=True)
    assert db.session.query(AuditLog).filter_by(action="revoke", entity="api_token").count() == 1


def test_someone_elses_token_cannot_be_revoked_or_listed(make, login, client, db):
    owner, other = make.practitioner(), make.practitioner()
    token, _secret = create_token(owner, "owner's script")
    db.session.commit()
    login(other)
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 404
    assert "owner's script" not in client.get("/tokens/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_page_needs_sign_in(client, db):
    assert client.get("/tokens/").status_code == 302


def test_cli_prints_the_token_alone_on_its_last_line(app, make, client, db):
    user = make.practitioner(email="dr.cli@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--user", "Dr.CLI@example.org"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("rn_") and " " not in secret
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id

    listed = runner.invoke(args=["tokens", "list", "--user", user.email])
    assert secret[:11] in listed.output and secret not in listed.output
    token_id = db.session.query(ApiToken.id).scalar()
    revoked = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_cli_refuses_unknown_and_deactivated_users(app, make, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tokens", "create", "--user", "nobody@x.org"]).exit_code == 1
    make.practitioner(email="gone@example.org", active=False)
    result = runner.invoke(args=["tokens", "create", "--user", "gone@example.org"])
    assert result.exit_code == 1 and "deactivated" in result.output
    assert db.session.query(ApiToken).count() == 0


def test_verify_refuses_lookalikes(make, db):
    user = make.practitioner()
    _token, secret = create_token(user, "x")
    db.session.commit()
    assert verify_token(secret) == user
    for attempt in ("", "rn_", secret[:-1], secret + "x", secret.upper(), "x" * 10_000):
        assert verify_token(attempt) is None
