"""Issue 9 S2: links in e-mails come from BASE_URL only; unknown hosts are refused."""

from __future__ import annotations

import re

import pytest

from app.mail.outbox import deliver_all
from app.models import Role
from app.users.service import send_invitation
from tests.test_api import API, make_net, new_referral

EVIL = {"Host": "evil.example"}


@pytest.fixture
def base_url(app):
    old = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://refnet.example.org/net"
    yield app.config["BASE_URL"]
    app.config["BASE_URL"] = old


@pytest.fixture
def trusted_hosts(app):
    app.config["TRUSTED_HOSTS"] = ["refnet.example.org", "localhost"]
    yield
    app.config["TRUSTED_HOSTS"] = None


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_payload(decode=True).decode())


def test_referral_e_mail_links_ignore_the_host_header(client, make, db, smtp_server, base_url):
    net = make_net(make, db)
    response = client.post(f"{API}/referrals", json=new_referral(net), headers={**net["a"], **EVIL})
    assert response.status_code == 201
    deliver_all()
    (message,) = smtp_server
    assert _links(message) == [f"{base_url}/referrals/{response.get_json()['id']}"]


def test_invitation_links_ignore_the_host_header(app, make, db, smtp_server, base_url):
    member = make.member()
    admin = make.user(Role.ADMIN)
    user = make.user(Role.PRACTITIONER, members=[member], password=None)
    with app.test_request_context("/admin/users/new", method="POST", headers=EVIL):
        link = send_invitation(admin, user)
        db.session.commit()
    deliver_all()
    assert link.startswith(f"{base_url}/invite/")
    (message,) = smtp_server
    assert _links(message) == [link]
    assert "evil.example" not in message.as_string()


def test_unknown_hosts_are_refused_when_trusted_hosts_is_set(client, make, db, trusted_hosts):
    assert client.get("/login", headers={"Host": "refnet.example.org"}).status_code == 200
    assert client.get("/login", headers=EVIL).status_code == 400
    net = make_net(make, db)
    response = client.post(f"{API}/referrals", json=new_referral(net), headers={**net["a"], **EVIL})
    assert response.status_code == 400


def test_trusted_hosts_and_base_url_from_the_environment(monkeypatch):
    from app.config import Config

    monkeypatch.setenv("TRUSTED_HOSTS", "refnet.example.org, .clinic.example")
    monkeypatch.setenv("BASE_URL", "https://refnet.example.org/")
    config = Config()
    assert config.TRUSTED_HOSTS == ["refnet.example.org", ".clinic.example"]
    assert config.BASE_URL == "https://refnet.example.org"
    monkeypatch.delenv("TRUSTED_HOSTS")
    assert Config().TRUSTED_HOSTS is None
