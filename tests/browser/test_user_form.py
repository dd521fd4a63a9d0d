"""The invite form shows the links of the chosen role only (CSS, so also without JavaScript)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_invite_form_follows_the_role(open_page, make, javascript):
    network = make.network(name="Riverside")
    make.member(network, name="Quay Dental")
    admin = make.user(Role.ADMIN)
    page: Page = open_page(java_script_enabled=javascript)
    sign_in(page, admin.email)
    page.goto("/admin/users/new")

    members = page.get_by_role("group", name="Acts for members")
    networks = page.get_by_label("Coordinates networks")
    expect(page.get_by_label("Role")).to_have_value("practitioner")
    expect(members).to_be_visible()
    expect(networks).to_be_hidden()
    screenshot(page, f"invite-practitioner-js-{javascript}")

    page.get_by_label("Role").select_option("coordinator")
    expect(networks).to_be_visible()
    expect(members).to_be_hidden()

    page.get_by_label("Role").select_option("admin")
    expect(networks).to_be_hidden()
    expect(members).to_be_hidden()
