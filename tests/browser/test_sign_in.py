"""Signing in and out in a real browser: the form, the dashboard, the phone layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.auth.service import BAD_CREDENTIALS
from app.models import Priority, Status
from tests.browser.steps import PHONE, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_practitioner_signs_in_and_sees_dashboard(page: Page, make):
    network = make.network(name="Riverside")
    cardiology = make.member(network, name="Riverside Cardiology", specialties=["Cardiology"])
    gp = make.member(network, name="Dr Okafor's practice")
    user = make.practitioner(cardiology, name="Dr Rivera")
    client = make.client(network, given_name="Grace", family_name="Hopper")
    make.referral(gp, cardiology, client=client, priority=Priority.URGENT)
    make.referral(cardiology, gp, status=Status.CLOSED)

    sign_in(page, user.email)

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dr Rivera")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Directory")).to_be_visible()
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)  # coordinators only
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for my answer"))
    row = waiting.get_by_role("row").filter(has_text="Dr Okafor's practice")
    expect(row).to_contain_text("Cardiology consult")
    expect(row).to_contain_text("Urgent")

    to_me = page.get_by_role("figure", name="Referrals to me, by status")
    sent = page.get_by_role("figure", name="Referrals I sent, by status")
    expect(to_me.locator("figcaption")).to_contain_text("(1)")
    expect(sent.locator("figcaption")).to_contain_text("(1)")
    expect(to_me.locator("svg.bar").first).to_be_visible()
    # The stylesheet loaded under the Content-Security-Policy: tiles are laid out, not stacked.
    tiles = page.locator(".tiles").first
    assert tiles.evaluate("el => getComputedStyle(el).display") in ("grid", "flex")

    screenshot(page, "dashboard-practitioner")


def test_wrong_password_says_nothing_about_the_account(page: Page, make):
    user = make.practitioner(email="rivera@example.org")

    sign_in(page, user.email, "not the password")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to refnet")
    expect(page.get_by_role("alert")).to_have_text(BAD_CREDENTIALS)
    expect(page.get_by_label("Password")).to_have_value("")
    # Words, not layout: inner_text's spacing depends on whether the stylesheet has applied yet.
    wrong_password = page.locator("main").inner_text().split()
    screenshot(page, "sign-in-wrong-password")

    # The previous page shows the same alert: wait for the new answer before reading it.
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
        sign_in(page, "nobody@example.org", "not the password")
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_have_text(BAD_CREDENTIALS)
    assert page.locator("main").inner_text().split() == wrong_password  # same page either way

    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))


def test_sign_out_ends_the_session(page: Page, make):
    user = make.practitioner(name="Dr Rivera")
    sign_in(page, user.email)
    expect(page.get_by_role("heading", name="Hello, Dr Rivera")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/dashboard")

    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))
    expect(page.get_by_role("status")).to_have_text("Please sign in to continue.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to refnet")


def test_sign_in_page_fits_a_phone(open_page):
    page = open_page(PHONE)
    page.goto("/login")

    email, password = page.get_by_label("E-mail"), page.get_by_label("Password")
    expect(email).to_have_attribute("type", "email")
    expect(password).to_have_attribute("type", "password")
    expect(email).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign in")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    screenshot(page, "sign-in-phone")
