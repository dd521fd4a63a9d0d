"""A receiver forwards a referral in a large network: typing narrows the members in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.models import Status
from tests.browser.steps import PHONE, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_forward_picker_follows_the_typing(open_page, make, viewport):
    network = make.network(name="Crowded")
    gp = make.member(network, name="Aaron GP")
    cardio = make.member(network, name="Abbott Heart", specialties=["Cardiology"])
    for n in range(40):
        make.member(network, name=f"Member {n:02}")
    make.member(network, name="Zed Physio", specialties=["Physiotherapy"])
    referral = make.referral(gp, cardio, Status.SENT)
    receiver = make.practitioner(cardio)

    page: Page = open_page(viewport) if viewport else open_page()
    sign_in(page, receiver.email)
    page.goto(f"/referrals/{referral.id}")
    page.locator("summary", has_text="Forward to another member").click()
    select = page.locator("#forward-receiver_id")
    expect(select.locator("option")).to_have_count(26)  # the prompt and 25 members

    page.get_by_label("Find a member for “new receiver”").fill("zed")
    expect(select.locator("option")).to_have_count(2)  # htmx swapped the options in place
    expect(select.locator("option").nth(1)).to_contain_text("Zed Physio")
    assert "?" not in page.url  # no reload: the page kept everything typed
    select.select_option(label=select.locator("option").nth(1).inner_text())
    screenshot(page, f"forward-picker-{'phone' if viewport else 'desktop'}")
    page.get_by_role("button", name="Forward to another member").click()
    expect(page.locator(".flash")).to_contain_text("forwarded")
