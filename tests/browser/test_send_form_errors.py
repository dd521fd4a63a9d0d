"""The send form tells every mistake at once: a wrong attachment, the missing consent and a
birth date in the future come back together, each next to its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.models import NetworkKind, Referral
from tests.browser.steps import PHONE, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_every_error_of_the_send_form_at_once(open_page, make):
    network = make.network(name="Riverside", kind=NetworkKind.CLINICAL)
    gp = make.member(network, name="Riverside GP")
    make.member(network, name="Riverton Heart Clinic", specialties=["Cardiology"])
    user = make.practitioner(gp)
    page: Page = open_page(PHONE)

    sign_in(page, user.email)
    page.goto("/referrals/new")
    receiver = "Riverton Heart Clinic — Cardiology · accepting"
    page.get_by_label("Send to").select_option(label=receiver)
    page.get_by_label("Requested service").fill("Cardiology consult")
    page.get_by_label("Reason for the referral").fill("Chest pain on exertion.")
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill((date.today() + timedelta(days=40)).isoformat())
    page.get_by_label("Documents").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"plain words"}]
    )
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_label("Documents")).to_have_accessible_description(
        "PDF, PNG or JPEG; up to 5 files of 10 MB each. notes.txt is not a PDF, PNG or JPEG file."
    )
    expect(page.get_by_label("Birth date")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("The birth date must be in the past.")).to_be_visible()
    consent = page.get_by_label("The client consents to sharing this referral with the receiver")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("needs the client's consent")).to_be_visible()
    screenshot(page, "send-form-every-error")
    assert make.session.query(Referral).count() == 0
