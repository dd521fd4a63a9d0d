"""New passwords: long enough, not among the breached ones, not the user's name or e-mail."""

from __future__ import annotations

import html

import pytest

from app.auth.passwords import common_passwords, password_problem
from app.mail.outbox import deliver_all
from app.models import Role, User
from tests.test_users import _invite, _link_from

NAME, EMAIL = "Dr Daisy Osei", "daisy.osei@riverside.example"


@pytest.mark.parametrize(
    "password",
    [
        "password123456",  # the one the new user got through
        "PASSWORD123456",
        "qwertyuiop",
        "1234567890",
        "iloveyou2026!",  # a listed word with digits and signs round it
        "Password123456789",
    ],
)
def test_common_and_breached_passwords_are_refused(password):
    assert "most used" in password_problem(password, name=NAME, email=EMAIL)


@pytest.mark.parametrize(
    "password",
    [
        "daisy-2026-rocks",
        "my name is Osei!",
        "daisy.osei@riverside",
        "DaisyOsei1980",
    ],
)
def test_the_users_name_or_email_is_refused(password):
    assert "your name or e-mail" in password_problem(password, name=NAME, email=EMAIL)


@pytest.mark.parametrize(
    "password", ["correct horse battery", "tram-lemon-quiet-47", "refnet-demo-2026 is long"]
)
def test_good_passwords_pass(password):
    assert password_problem(password, name=NAME, email=EMAIL) is None


def test_the_list_is_shipped_and_large():
    assert len(common_passwords()) > 19_000


def test_invitation_refuses_a_weak_password(make, login, db, smtp_server):
    admin = make.user(Role.ADMIN)
    client = login(admin)
    _invite(client, member_ids=[make.member().id])
    deliver_all()
    link = _link_from(smtp_server[0])
    client.post("/logout")
    for weak, message in [
        ("password123456", "most used"),
        ("my new user pass", "your name or e-mail"),
        ("new.user@example", "your name or e-mail"),
    ]:
        response = client.post(link, data={"password": weak, "confirm": weak})
        assert response.status_code == 400, weak
        assert message in html.unescape(response.get_data(as_text=True)), weak
    user = db.session.query(User).filter_by(email="new.user@example.org").one()
    assert user.password_hash is None
