"""Issue 14 item 2: behind TRUSTED_PROXIES hops the client's address (not the proxy's) is in
the audit, the session, the throttle and the logs, and external URLs carry the client's
scheme and host; without it, X-Forwarded-* from anyone is ignored."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditLog, UserSession
from app.tokens.service import create_token
from tests.conftest import PASSWORD
from tests.operations import app_with, json_lines

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy


def _sign_in(client, email, password, forwarded_for):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base=PROXY,
    )


def _ips(db, action):
    rows = db.session.scalars(select(AuditLog.ip).where(AuditLog.action == action))
    return rows.all()


def test_audit_session_and_log_carry_the_clients_address(make, db, database_url, capsys):
    user = make.practitioner()
    with app_with(database_url, TRUSTED_PROXIES=1) as proxied:
        client = proxied.test_client()
        failed = _sign_in(client, user.email, "wrong password", "203.0.113.77")
        assert failed.status_code == 401
        # The client's own X-Forwarded-For is kept by the proxy in front: only the hop the
        # proxy added is believed.
        response = _sign_in(client, user.email, PASSWORD, "198.51.100.66, 203.0.113.77")
        assert response.status_code == 302
    db.session.expire_all()
    assert _ips(db, "sign-in-failed") == ["203.0.113.77"]
    assert _ips(db, "sign-in") == ["203.0.113.77"]
    assert db.session.scalars(select(UserSession.address)).all() == ["203.0.113.77"]
    access = [e for e in json_lines(capsys.readouterr().out) if e["logger"] == "refnet.access"]
    assert {e["remote_addr"] for e in access} == {"203.0.113.77"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(make, db, client):
    user = make.practitioner()
    assert _sign_in(client, user.email, PASSWORD, "203.0.113.77").status_code == 302
    assert _ips(db, "sign-in") == ["10.0.0.2"]


def test_the_throttle_counts_the_client_not_the_proxy(make, db, database_url):
    user = make.practitioner()
    with app_with(database_url, TRUSTED_PROXIES=1) as proxied:
        client = proxied.test_client()
        for _ in range(5):
            assert _sign_in(client, user.email, "wrong", "203.0.113.9").status_code == 401
        assert _sign_in(client, user.email, PASSWORD, "203.0.113.9").status_code == 429
        # Everyone else behind the same proxy still signs in.
        assert _sign_in(client, user.email, PASSWORD, "192.0.2.5").status_code == 302


def test_two_hops_believe_the_address_the_outer_proxy_saw(make, db, database_url):
    user = make.practitioner()
    with app_with(database_url, TRUSTED_PROXIES=2) as proxied:
        client = proxied.test_client()
        forwarded = "6.6.6.6, 203.0.113.50, 10.0.0.1"  # spoofed, client, inner proxy
        assert _sign_in(client, user.email, PASSWORD, forwarded).status_code == 302
    assert _ips(db, "sign-in") == ["203.0.113.50"]


def test_external_urls_take_the_proxys_scheme_and_host(make, db, database_url):
    network = make.network()
    user = make.practitioner(make.member(network))
    make.member(network)  # two members: the list has a next page
    _token, secret = create_token(user, "proxy test")
    db.session.commit()
    headers = {
        "Authorization": f"Bearer {secret}",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "refnet.example.org",
        "X-Forwarded-For": "203.0.113.1",
    }
    with app_with(database_url, TRUSTED_PROXIES=1, PAGE_SIZE=1) as proxied:
        response = proxied.test_client().get("/api/v1/members", headers=headers, environ_base=PROXY)
    assert response.status_code == 200
    assert response.get_json()["next"].startswith("https://refnet.example.org/api/v1/members?")
