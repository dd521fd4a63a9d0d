"""The receiver asks for more information, the sender answers with the form (and a document),
the receiver accepts: clicked through by the two practitioners in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import Status
from app.referrals.status_rules import SENDER_SIDE_LABELS, STATUS_LABELS
from app.referrals.views import DONE
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import DESKTOP, screenshot, sign_in
from tests.browser.test_referral_journey import (
    PDF,
    clinical_network,
    open_action,
    sign_out,
    status_badge,
)

pytestmark = pytest.mark.browser

QUESTION = "Could you send the ECG from last week?"
ANSWER = "Attached. Sinus rhythm, no ST changes."


def test_ask_answer_accept(page: Page, make):
    gp, clinic, user_a, user_b = clinical_network(make)
    referral = make.referral(gp, clinic, Status.SENT)

    # 1. The clinic asks a question instead of declining.
    sign_in(page, user_b.email)
    page.goto(f"/referrals/{referral.id}")
    block = open_action(page, "Ask for more information")
    block.get_by_role("button", name="Ask for more information").click()
    block = page.locator("#action-request-info")  # shown open again, with the error
    expect(block).to_have_attribute("open", "")
    expect(block.get_by_text("Question is required.")).to_be_visible()  # nothing was sent
    block.get_by_label("Your question to the sender").fill(QUESTION)
    block.get_by_role("button", name="Ask for more information").click()
    expect(page.get_by_role("status")).to_have_text(DONE["request-info"])
    expect(status_badge(page)).to_have_text(STATUS_LABELS[Status.INFO_REQUESTED])
    expect(page.get_by_role("region", name=re.compile("Your question to"))).to_contain_text(
        QUESTION
    )
    actions = page.get_by_role("region", name="What you can do now")
    expect(actions).to_have_count(0)  # the clinic waits for the answer
    screenshot(page, "ask-1-question")
    sign_out(page)

    # 2. The GP sees it waiting for them, and answers with a document.
    sign_in(page, user_a.email)
    page.goto("/referrals?box=outbox")
    row = page.get_by_role("row").filter(has_text=f"#{referral.id}")
    expect(row).to_contain_text(SENDER_SIDE_LABELS[Status.INFO_REQUESTED])
    row.get_by_role("link", name=f"#{referral.id}").click()
    expect(page.get_by_role("region", name=re.compile("asks you"))).to_contain_text(QUESTION)
    block = open_action(page, "Answer the question")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE_NARROW)
    assert sideways_overflow(page) is None
    page.set_viewport_size(DESKTOP)
    block.get_by_label("Your answer").fill(ANSWER)
    block.get_by_label("Documents (optional)").set_input_files(
        files=[{"name": "ecg.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    block.get_by_role("button", name="Answer the question").click()
    expect(page.get_by_role("status")).to_have_text(DONE["provide-info"])
    expect(status_badge(page)).to_have_text(STATUS_LABELS[Status.SENT])
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text(QUESTION)
    expect(timeline).to_contain_text(ANSWER)
    documents = page.get_by_role("region", name="Request").get_by_role("listitem")
    expect(documents).to_have_text([f"ecg.pdf {len(PDF)} bytes"])
    screenshot(page, "ask-2-answered")
    sign_out(page)

    # 3. The clinic reads the answer and accepts.
    sign_in(page, user_b.email)
    page.goto(f"/referrals/{referral.id}")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text(ANSWER)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text(DONE["accept"])
    expect(status_badge(page)).to_have_text(STATUS_LABELS[Status.ACCEPTED])
    screenshot(page, "ask-3-accepted")
