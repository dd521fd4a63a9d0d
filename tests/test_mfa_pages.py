"""Issue 14 item 6, the pages: password then code (not signed in between), the forced
enrolment of a coordinator, the Security page, the network's rule, an admin's reset, CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import g
from sqlalchemy import select

from app import create_app
from app.auth.mfa import enrolment_of, is_enrolled, remaining_recovery_codes
from app.config import TestConfig
from app.extensions import db as _db
from app.models import AuditLog, Role, UserSession
from app.tokens.service import create_token
from tests.conftest import PASSWORD, csrf_token_from
from tests.test_mfa import code_at, enrol

T1 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def _password(client, user, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def _secret_on(html: str) -> str:
    match = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html)
    assert match, "no secret on the page"
    return match.group(1).replace(" ", "")


def _audited(db) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_an_enrolled_user_is_not_signed_in_until_the_code_is_right(make, client, db):
    user = make.practitioner(name="Dr Okafor")
    secret, _ = enrol(db, user)
    with time_machine.travel(T1, tick=False):
        response = _password(client, user, next_url="/referrals/")
        assert response.status_code == 302 and response.headers["Location"] == "/login/code"
        # Half-way: no session row, no page.
        assert db.session.scalars(select(UserSession)).all() == []
        assert client.get("/dashboard").status_code == 302
        assert client.get("/account/security").status_code == 302
        assert client.get("/api/v1/referrals").status_code == 401
        page = client.get("/login/code")
        assert page.status_code == 200 and "Enter your code" in page.get_data(as_text=True)
        wrong = f"{(int(code_at(secret, T1)) + 1) % 1_000_000:06d}"
        refused = client.post("/login/code", data={"code": wrong})
        assert refused.status_code == 401
        assert "That code is not right" in refused.get_data(as_text=True)
        assert client.post("/login/code", data={"code": ""}).status_code == 400
        done = client.post("/login/code", data={"code": code_at(secret, T1)})
        assert done.status_code == 302 and done.headers["Location"] == "/referrals/"
        assert "Hello, Dr Okafor" in client.get("/dashboard").get_data(as_text=True)
    actions = _audited(db)
    assert actions.index("mfa-failed") < actions.index("mfa-sign-in") < actions.index("sign-in")


def test_the_code_page_without_a_password_first_sends_back_to_sign_in(client, make):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": "123456"}).status_code == 302


def test_the_half_way_state_expires(make, client, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    with time_machine.travel(T1, tick=False) as clock:
        _password(client, user)
        clock.shift(timedelta(minutes=11))
        late = client.post(
            "/login/code", data={"code": code_at(secret, T1 + timedelta(minutes=11))}
        )
        assert late.status_code == 302 and late.headers["Location"] == "/login"
        assert client.get("/dashboard").status_code == 302


def test_a_replayed_code_is_refused_on_the_page(make, app, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    with time_machine.travel(T1, tick=False):
        code = code_at(secret, T1)
        first, second = app.test_client(), app.test_client()
        _password(first, user)
        _password(second, user)
        assert first.post("/login/code", data={"code": code}).status_code == 302
        assert second.post("/login/code", data={"code": code}).status_code == 401
        assert second.get("/dashboard").status_code == 302


def test_wrong_codes_are_throttled_on_the_page(make, client, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    with time_machine.travel(T1, tick=False):
        _password(client, user)
        right = code_at(secret, T1)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        statuses = [client.post("/login/code", data={"code": wrong}).status_code for _ in range(5)]
        assert statuses == [401] * 5
        throttled = client.post("/login/code", data={"code": right})
        assert throttled.status_code == 429
        assert "Too many wrong codes" in throttled.get_data(as_text=True)
        assert client.get("/dashboard").status_code == 302


def test_a_recovery_code_signs_in_once(make, app, db):
    user = make.practitioner()
    _, codes = enrol(db, user)
    client = app.test_client()
    _password(client, user)
    response = client.post("/login/code", data={"code": codes[0]}, follow_redirects=True)
    assert "recovery code; 9 left" in response.get_data(as_text=True)
    again = app.test_client()
    _password(again, user)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 401
    assert "mfa-recovery-code-used" in _audited(db)


def test_a_coordinator_enrols_before_anything_else_when_the_network_requires_it(make, client, db):
    network = make.network(name="Strict Network", mfa_required_for_staff=True)
    coordinator = make.user(Role.COORDINATOR, networks=[network], name="Cora")
    with time_machine.travel(T1, tick=False):
        response = _password(client, coordinator)
        assert response.headers["Location"] == "/login/enrol"
        assert client.get("/dashboard").status_code == 302  # not signed in
        page = client.get("/login/enrol")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "<svg" in html and "Your network asks" in html
        secret = _secret_on(html)
        wrong = f"{(int(code_at(secret, T1)) + 1) % 1_000_000:06d}"
        assert client.post("/login/enrol", data={"code": wrong}).status_code == 401
        assert client.get("/dashboard").status_code == 302
        done = client.post("/login/enrol", data={"code": code_at(secret, T1)})
        html = done.get_data(as_text=True)
        assert done.status_code == 200 and "shown only this once" in html
        assert len(re.findall(r"<li><code>[0-9a-f]{5}-[0-9a-f]{5}</code></li>", html)) == 10
        assert "Sign out" in client.get("/dashboard").get_data(as_text=True)
        # The secret is never shown again, on any page.
        for url in ("/account/security", "/login/enrol", "/account/security/enrol"):
            assert secret not in client.get(url, follow_redirects=True).get_data(as_text=True)
    assert is_enrolled(coordinator) and "mfa-enrol" in _audited(db)


def test_a_practitioner_is_not_asked_and_the_demo_way_of_signing_in_still_works(make, client):
    network = make.network(mfa_required_for_staff=True)
    user = make.practitioner(make.member(network))
    response = _password(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_the_security_page_enrols_renews_and_turns_off(make, login, db):
    user = make.practitioner()
    with time_machine.travel(T1, tick=False) as clock:
        client = login(user)
        assert "Off: your password alone" in client.get("/account/security").get_data(as_text=True)
        secret = _secret_on(client.get("/account/security/enrol").get_data(as_text=True))
        done = client.post("/account/security/enrol", data={"code": code_at(secret, T1)})
        assert done.status_code == 200 and "Multi-factor sign-in is on" in done.get_data(
            as_text=True
        )
        page = client.get("/account/security").get_data(as_text=True)
        assert "Recovery codes left: <strong>10</strong>" in page and secret not in page
        clock.shift(timedelta(seconds=30))
        now = T1 + timedelta(seconds=30)
        renewed = client.post("/account/security/recovery-codes", data={"renew-code": "1"})
        assert renewed.status_code == 401
        renewed = client.post(
            "/account/security/recovery-codes", data={"renew-code": code_at(secret, now)}
        )
        assert renewed.status_code == 200 and "earlier recovery codes no longer work" in (
            renewed.get_data(as_text=True)
        )
        clock.shift(timedelta(seconds=30))
        now += timedelta(seconds=30)
        wrong_password = client.post(
            "/account/security/disable",
            data={"disable-password": "not it at all", "disable-code": code_at(secret, now)},
        )
        assert wrong_password.status_code == 422
        assert "not your password" in wrong_password.get_data(as_text=True)
        off = client.post(
            "/account/security/disable",
            data={"disable-password": PASSWORD, "disable-code": code_at(secret, now)},
        )
        assert off.status_code == 302
    assert not is_enrolled(user)
    actions = _audited(db)
    assert {"mfa-enrol", "mfa-recovery-codes-renewed", "mfa-disable"} <= set(actions)


def test_a_required_coordinator_cannot_turn_it_off(make, login, db):
    network = make.network(mfa_required_for_staff=True)
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    secret, _ = enrol(db, coordinator)
    with time_machine.travel(T1, tick=False):
        client = login(coordinator)
        client.post("/login/code", data={"code": code_at(secret, T1)})
        assert "cannot be\n    turned off" in client.get("/account/security").get_data(as_text=True)
        refused = client.post(
            "/account/security/disable",
            data={"disable-password": PASSWORD, "disable-code": "123456"},
        )
        assert refused.status_code == 403
    assert is_enrolled(coordinator)


def test_only_an_admin_sets_the_network_rule(make, login, db):
    network = make.network(name="Riverside")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    admin = make.user(Role.ADMIN)
    client = login(coordinator)
    page = client.get(f"/networks/{network.id}/rules").get_data(as_text=True)
    assert "Only an admin can require it" in page
    assert (
        client.post(f"/networks/{network.id}/mfa", data={"mfa_required_for_staff": "y"}).status_code
        == 403
    )
    client.post("/logout")
    client = login(admin)
    page = client.get(f"/networks/{network.id}/rules").get_data(as_text=True)
    assert 'name="mfa_required_for_staff"' in page
    saved = client.post(f"/networks/{network.id}/mfa", data={"mfa_required_for_staff": "y"})
    assert saved.status_code == 302
    db.session.refresh(network)
    assert network.mfa_required_for_staff
    # The coordinator was signed out and must enrol at the next sign-in.
    assert (
        db.session.scalars(select(UserSession).where(UserSession.user_id == coordinator.id)).all()
        == []
    )
    assert client.post(f"/networks/{network.id}/mfa", data={}).status_code == 302
    db.session.refresh(network)
    assert not network.mfa_required_for_staff


def test_an_admin_resets_a_users_second_factor_from_the_user_page(make, login, db):
    network = make.network()
    user = make.practitioner(make.member(network), name="Dr Lost Phone")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    enrol(db, user)
    client = login(coordinator)
    assert "Reset multi-factor" not in client.get(f"/admin/users/{user.id}/edit").get_data(
        as_text=True
    )
    assert client.post(f"/admin/users/{user.id}/reset-mfa").status_code == 403
    client.post("/logout")
    client = login(make.user(Role.ADMIN))
    assert "Reset multi-factor" in client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/reset-mfa").status_code == 302
    assert enrolment_of(user) is None and remaining_recovery_codes(user) == 0
    assert "mfa-reset" in _audited(db)
    # Signs in with the password alone again.
    other = client.application.test_client()
    assert _password(other, user).headers["Location"] == "/dashboard"


def test_api_tokens_are_not_affected(make, client, db):
    user = make.practitioner()
    enrol(db, user)
    _, secret = create_token(user, "script")
    db.session.commit()
    response = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_the_code_form_needs_its_csrf_token(make, database_url, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    email = user.email
    app = create_app(TestConfig(database_url))  # CSRF on, as in production
    client = app.test_client()
    with app.app_context(), time_machine.travel(T1, tick=False):
        try:
            token = csrf_token_from(client.get("/login").get_data(as_text=True))
            client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
            assert client.post("/login/code", data={"code": code_at(secret, T1)}).status_code == 400
            # A server gives each request its own `g`; here the test's context carries the
            # token generated before the password was checked (that session is cleared).
            g.pop("csrf_token", None)
            token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
            signed_in = client.post(
                "/login/code", data={"code": code_at(secret, T1), "csrf_token": token}
            )
            assert signed_in.status_code == 302
            assert client.get("/dashboard").status_code == 200
        finally:
            _db.session.remove()
            _db.engine.dispose()  # its pooled connections must not outlive the test


def test_an_invited_coordinator_sets_up_the_second_factor_before_the_first_page(make, client, db):
    from app.users.service import invite_token

    network = make.network(mfa_required_for_staff=True)
    coordinator = make.user(Role.COORDINATOR, networks=[network], password=None)
    db.session.commit()
    token = invite_token(coordinator)
    response = client.post(
        f"/invite/{token}",
        data={"password": "a brand new long passphrase", "confirm": "a brand new long passphrase"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login/enrol"
    assert client.get("/dashboard").status_code == 302
    assert "<svg" in client.get("/login/enrol").get_data(as_text=True)
