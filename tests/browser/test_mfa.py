"""Multi-factor sign-in in a real browser, at 360 px with axe-core: a practitioner enrols
from the Security page with the key shown, signs in again with a code computed from it,
then with a recovery code; a coordinator of a network that requires it enrols at sign-in.

The server runs on the real clock (it is another thread), so codes are computed with pyotp
as an authenticator app does; a sign-in right after the enrolment uses the next time
step's code (accepted: one step of drift), because the enrolment's step is spent.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser


def _check_page(page: Page, name: str) -> None:
    """No axe violation and nothing sideways at 360 px; a screenshot to look at."""
    assert axe_violations(page) == [], name
    assert sideways_overflow(page) is None, name
    screenshot(page, f"mfa-{name}")


def _secret_shown(page: Page) -> str:
    return page.locator("#mfa-secret").inner_text().replace(" ", "")


def _next_step_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_enrol_then_sign_in_with_a_code_and_a_recovery_code(open_page, make):
    user = make.practitioner(name="Dr Rivera")
    page = open_page(PHONE_NARROW)
    sign_in(page, user.email)
    expect(page.get_by_role("heading", name="Hello, Dr Rivera")).to_be_visible()

    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Security")
    _check_page(page, "security-off")
    page.get_by_role("link", name="Set up multi-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code to scan")).to_be_visible()
    _check_page(page, "enrol")
    secret = _secret_shown(page)
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    _check_page(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_text("Recovery codes left:")).to_contain_text("10")
    assert secret not in page.content()
    page.get_by_role("button", name="Sign out").click()

    # Password, then the code page: not signed in in between.
    sign_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    _check_page(page, "code")
    page.get_by_label("Code", exact=True).fill(_next_step_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Dr Rivera")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # A lost phone: a recovery code, once.
    sign_in(page, user.email)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("recovery code; 9 left")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, user.email)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").first).to_contain_text("That code is not right")
    _check_page(page, "code-refused")


def test_a_coordinator_enrols_at_sign_in_when_the_network_requires_it(open_page, make):
    network = make.network(name="Strict Network", mfa_required_for_staff=True)
    coordinator = make.user(Role.COORDINATOR, networks=[network], name="Cora Ordinator")
    page = open_page(PHONE_NARROW)
    sign_in(page, coordinator.email)

    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    expect(page.get_by_text("Your network asks its coordinators")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)  # not signed in
    _check_page(page, "enrol-at-sign-in")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    page.goto("/login/enrol")
    secret = _secret_shown(page)
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_text("it cannot be turned off", exact=False)).to_be_visible()
