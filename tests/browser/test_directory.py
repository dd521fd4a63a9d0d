"""A coordinator finds a member in the directory and opens its profile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_coordinator_finds_a_member_by_specialty(page: Page, make):
    network = make.network(name="Riverside")
    make.member(
        network,
        name="Dr Okafor",
        specialties=["Cardiology", "Echocardiography"],
        city="Riverton",
    )
    make.member(network, name="Dr Lind", specialties=["Physiotherapy"])
    coordinator = make.user(Role.COORDINATOR, networks=[network], name="Cora Ordinator")

    sign_in(page, coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside at a glance")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Member directory")
    page.get_by_label("Specialty or service").fill("cardio")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"[?&]specialty=cardio(&|$)"))
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name="Dr Okafor")).to_be_visible()
    expect(results.get_by_role("link", name="Dr Lind")).to_have_count(0)
    screenshot(page, "directory-search")

    results.get_by_role("link", name="Dr Okafor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Okafor")
    specialties = page.locator("section", has=page.get_by_role("heading", name="Specialties"))
    expect(specialties).to_contain_text("Cardiology")
    expect(specialties).to_contain_text("Riverton")
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    expect(page.get_by_role("link", name="Edit member")).to_be_visible()
    screenshot(page, "member-profile")
