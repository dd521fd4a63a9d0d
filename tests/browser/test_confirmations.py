"""Destructive clicks take two steps, without JavaScript: the first says what will happen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import Member, Role, User
from tests.browser.a11y import PHONE_NARROW, sideways_overflow
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_deactivating_a_member_asks_first(open_page, make, javascript):
    network = make.network(name="Riverside")
    member = make.member(network, name="Station Road Physio")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    page: Page = open_page(java_script_enabled=javascript)
    sign_in(page, coordinator.email)
    page.goto(f"/members/{member.id}")
    page.get_by_text("Deactivate…").click()
    confirm = page.get_by_role("button", name="Yes, deactivate Station Road Physio")
    expect(confirm).to_be_visible()
    expect(page.get_by_text("its referrals and history are kept")).to_be_visible()
    make.session.refresh(member)
    assert member.active  # nothing was sent by the first click
    confirm.click()
    expect(page.get_by_role("status")).to_contain_text("Station Road Physio was deactivated")
    make.session.expire_all()
    assert not make.session.get(Member, member.id).active


def test_deactivating_a_user_asks_first_and_fits_a_phone(open_page, make):
    network = make.network(name="Riverside")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    user = make.practitioner(make.member(network), name="Dr Quentin Long-Surname")
    page: Page = open_page(PHONE_NARROW)
    sign_in(page, coordinator.email)
    page.goto("/admin/users/")
    row = page.get_by_role("row").filter(has_text="Dr Quentin Long-Surname")
    row.get_by_text("Deactivate…").click()
    expect(row.get_by_text("can no longer sign in")).to_be_visible()
    assert sideways_overflow(page) is None
    screenshot(page, "users-deactivate-confirm-360")
    row.get_by_role("button", name=re.compile("^Yes, deactivate")).click()
    expect(page.get_by_role("status")).to_be_visible()
    make.session.expire_all()
    assert not make.session.get(User, user.id).active


def test_send_a_referral_from_the_directory_and_a_profile(page: Page, make):
    network = make.network(name="Riverside")
    gp = make.member(network, name="Riverside GP")
    clinic = make.member(network, name="Riverton Heart Clinic", specialties=["Cardiology"])
    make.member(network, name="Closed Clinic", accepting=False)
    user = make.practitioner(gp)
    sign_in(page, user.email)

    page.goto("/members/")
    links = page.get_by_role("link", name=re.compile("^Send a referral to "))
    expect(links).to_have_text(["Send a referral"])  # not to itself, nor to a closed clinic
    expect(links).to_have_accessible_name("Send a referral to Riverton Heart Clinic")
    links.click()
    expect(page.get_by_label("Send to")).to_have_value(str(clinic.id))

    page.goto(f"/members/{clinic.id}")
    page.get_by_role("link", name="Send a referral to this member").click()
    expect(page).to_have_url(re.compile(rf"/referrals/new\?receiver_id={clinic.id}$"))
    expect(page.get_by_label("Send to")).to_have_value(str(clinic.id))
