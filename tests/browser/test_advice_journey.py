"""Advice before a referral, clicked through in a real browser: the GP asks a cardiology
clinic about a client with an ECG attached, the clinic answers in the thread, the GP turns
the answer into a referral with one click, and the clinic finds the question, the answer
and the ECG on the new referral. Real forms, CSRF on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import screenshot, sign_in
from tests.browser.test_referral_journey import clinical_network, sign_out, status_badge

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
QUESTION = "A new murmur at 70, no symptoms. Is an echo worth a referral?"
ANSWER = "Yes: please refer for an echocardiogram within 6 weeks."


def test_advice_asked_answered_and_converted_to_a_referral(page: Page, make):
    _, _, user_a, user_b = clinical_network(make)

    # 1. The GP asks the clinic, with the ECG attached.
    sign_in(page, user_a.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Advice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Advice")
    page.get_by_role("link", name="Ask for advice").click()
    page.get_by_label("Ask one member").select_option(
        label="Riverton Heart Clinic — Cardiology · Riverton · accepting"
    )
    page.get_by_label("Subject").fill("Cardiology opinion")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill("1956-12-09")
    page.get_by_label("The client consents to sharing").check()
    page.get_by_label("Documents").set_input_files(
        files=[{"name": "ecg.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Send the question").click()
    expect(page).to_have_url(re.compile(r"/advice/\d+$"))
    advice_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("status")).to_have_text(
        f"Your question was sent to Riverton Heart Clinic (#{advice_id})."
    )
    expect(status_badge(page)).to_have_text("Waiting for an answer")
    screenshot(page, "advice-1-asked")
    sign_out(page)

    # 2. The clinic finds it in "Asked of me", unread, and answers in the thread.
    sign_in(page, user_b.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Advice").click()
    page.get_by_role("link", name=re.compile("^Asked of me")).click()
    page.get_by_role("link", name=f"#{advice_id}", exact=True).click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_role("link", name="ecg.pdf")).to_be_visible()
    page.get_by_label("Your message").fill(ANSWER)
    page.get_by_role("button", name="Post message").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your message was posted. The other side has been told."
    )
    expect(status_badge(page)).to_have_text("Answered")
    expect(page.get_by_role("region", name="Messages")).to_contain_text(ANSWER)
    # The adviser may neither close nor convert: that is the asker's choice.
    expect(page.get_by_role("button", name="Turn into a referral")).to_have_count(0)
    screenshot(page, "advice-2-answered")
    sign_out(page)

    # 3. The GP sees one unread message, reads the answer and converts with one click.
    sign_in(page, user_a.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Advice").click()
    expect(page.get_by_role("link", name="1 unread message")).to_be_visible()
    page.get_by_role("link", name=f"#{advice_id}", exact=True).click()
    messages = page.get_by_role("region", name="Messages")
    expect(messages).to_contain_text(ANSWER)
    expect(messages).to_contain_text("Dr Rivera")
    page.get_by_role("button", name="Turn into a referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("status")).to_contain_text(f"Referral #{referral_id} was sent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cardiology opinion for Grace Hopper")
    request = page.get_by_role("region", name="Request")
    expect(request).to_contain_text(QUESTION)
    expect(request).to_contain_text(ANSWER)
    expect(request.get_by_role("link", name="ecg.pdf")).to_be_visible()
    expect(request.get_by_role("link", name=f"#{advice_id}")).to_be_visible()
    screenshot(page, "advice-3-converted")
    sign_out(page)

    # 4. The clinic receives the referral and reaches it from the request it answered.
    sign_in(page, user_b.email)
    page.goto(f"/advice/{advice_id}")
    expect(status_badge(page)).to_have_text("Converted to a referral")
    page.get_by_role("link", name=f"referral #{referral_id}").click()
    expect(page.get_by_role("region", name="Request")).to_contain_text(QUESTION)
