"""A forward as the sender sees it: "Forwarded to X (#N)", with links both ways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Status
from app.referrals.service import perform
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def test_the_sender_sees_the_forward_and_follows_it(page: Page, make):
    network = make.network(name="Riverside Health")
    gp = make.member(network, name="Riverside GP")
    clinic = make.member(network, name="Riverton Heart Clinic", specialties=["Cardiology"])
    station = make.member(network, name="Station Road Cardiology", specialties=["Cardiology"])
    sender = make.practitioner(gp, name="Dr Okafor")
    receiver = make.practitioner(clinic, name="Dr Osei")
    original = make.referral(gp, clinic, Status.SENT)
    perform(original, "forward", receiver, version=1, values={"receiver_id": station.id})
    db.session.commit()
    copy_id = original.forwarded_to_id
    original_id = original.id

    sign_in(page, sender.email)
    page.goto("/referrals/?box=outbox")
    row = page.get_by_role("row", name=re.compile(rf"#{original_id}\b"))
    expect(row.locator(".badge.status-forwarded")).to_have_text("Forwarded")
    row.get_by_role("link", name=f"#{original_id}", exact=True).click()

    expect(page.locator(".status-block .badge.big")).to_have_text("Forwarded")
    forwarded = page.get_by_role("region", name=re.compile("^Forwarded to"))
    expect(forwarded).to_contain_text(f"Forwarded to Station Road Cardiology (#{copy_id})")
    expect(page.get_by_text("Reason given")).to_have_count(0)
    forwarded.get_by_role("link", name=f"#{copy_id}").click()

    expect(page).to_have_url(re.compile(rf"/referrals/{copy_id}$"))
    expect(page.locator(".page-head")).to_contain_text(
        f"forwarded by Riverton Heart Clinic from #{original_id}"
    )
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Forwarded")
    expect(timeline).to_contain_text("by Dr Osei")
    page.locator(".page-head").get_by_role("link", name=f"#{original_id}").click()
    expect(page).to_have_url(re.compile(rf"/referrals/{original_id}$"))
