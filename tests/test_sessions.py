"""Issue 9 S3: sessions end on the server: sign-out, deactivation, a role change and a
password change; a user sees their sessions and ends the others."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Role, UserSession
from app.users.service import deactivate_user, set_password, update_user
from tests.conftest import PASSWORD


@pytest.fixture
def second_browser(app):
    """Another browser of the same person (or a thief's copy of the cookie)."""

    def open_browser(user=None, cookie_from=None):
        browser = app.test_client()
        if cookie_from is not None:
            browser.set_cookie("session", cookie_from.get_cookie("session").value)
        if user is not None:
            response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302
        return browser

    return open_browser


def _signed_in(browser) -> bool:
    return browser.get("/dashboard").status_code == 200


def test_a_copied_cookie_stops_working_after_sign_out(make, login, second_browser, db):
    user = make.practitioner()
    browser = login(user)
    thief = second_browser(cookie_from=browser)
    assert _signed_in(thief)
    assert browser.post("/logout").status_code == 302
    assert not _signed_in(thief)
    assert not _signed_in(browser)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


@pytest.mark.parametrize("change", ["deactivate", "role", "password"])
def test_account_changes_end_every_session_of_that_user(make, login, second_browser, db, change):
    network = make.network()
    member = make.member(network)
    user = make.practitioner(member)
    bystander = second_browser(make.practitioner(member))
    first, second = login(user), second_browser(user)
    assert _signed_in(first) and _signed_in(second)
    if change == "deactivate":
        deactivate_user(None, user)
    elif change == "role":
        update_user(
            None,
            user,
            name=user.name,
            role=Role.COORDINATOR,
            member_ids=[],
            network_ids=[network.id],
        )
    else:
        set_password(user, "another long password")
    db.session.commit()
    assert not _signed_in(first) and not _signed_in(second)
    assert _signed_in(bystander)


def test_a_name_change_keeps_the_sessions(make, login, db):
    member = make.member()
    user = make.practitioner(member)
    browser = login(user)
    update_user(
        None,
        user,
        name="Dr Renamed",
        role=Role.PRACTITIONER,
        member_ids=[member.id],
        network_ids=[],
    )
    db.session.commit()
    assert _signed_in(browser)


def test_a_user_sees_and_ends_their_other_sessions(make, login, second_browser, db):
    user = make.practitioner()
    here = login(user)
    phone, laptop = second_browser(user), second_browser(user)
    page = here.get("/account/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<tr>") == 1 + 3 and "(this session)" in html

    others = db.session.scalars(select(UserSession.id).order_by(UserSession.id)).all()[1:]
    assert here.post(f"/account/sessions/{others[0]}/end").status_code == 302
    assert not _signed_in(phone) and _signed_in(laptop) and _signed_in(here)

    assert here.post("/account/sessions/end-others").status_code == 302
    assert not _signed_in(laptop) and _signed_in(here)


def test_nobody_ends_a_session_of_someone_else(make, login, second_browser, db):
    victim = second_browser(make.practitioner())
    victim_session = db.session.scalar(select(UserSession.id))
    attacker = login(make.user(Role.ADMIN))
    assert attacker.post(f"/account/sessions/{victim_session}/end").status_code == 404
    assert _signed_in(victim)
