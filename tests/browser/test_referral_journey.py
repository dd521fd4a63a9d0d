"""A referral from send to outcome, clicked through by the two practitioners in a real browser.

The sender finds a cardiology clinic by specialty, sends a new client with a PDF; the clinic
accepts, schedules, records the visit and closes with an outcome; the sender reads it. Every
step goes through the real forms with CSRF on, by label and role as a person finds them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from app.models import Document, NetworkKind, Referral, Status
from app.referrals.status_rules import STATUS_LABELS
from app.referrals.views import DONE
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser

# Far from UTC, and without summer time: a time shown in UTC by mistake cannot pass for it.
TZ = ZoneInfo("Asia/Kolkata")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OUTCOME = "Stable angina. Started a beta blocker; exercise test in 3 months. Back to the GP."


def clinical_network(make):
    """Riverside GP and a cardiology clinic that accepts, one practitioner each; and a physio."""
    network = make.network(name="Riverside Health", kind=NetworkKind.CLINICAL, timezone=TZ.key)
    gp = make.member(network, name="Riverside GP", city="Riverton")
    clinic = make.member(
        network, name="Riverton Heart Clinic", specialties=["Cardiology"], city="Riverton"
    )
    make.member(network, name="Riverside Physio", specialties=["Physiotherapy"])
    user_a = make.practitioner(gp, name="Dr Okafor")
    user_b = make.practitioner(clinic, name="Dr Rivera")
    return gp, clinic, user_a, user_b


def status_badge(page: Page) -> Locator:
    """The big status badge beside the referral's heading (a picture of the status, no role)."""
    return page.locator(".status-block .badge.big")


def unread(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )


def open_action(page: Page, label: str) -> Locator:
    """Unfold an action's <details> block by its summary; returns the block."""
    block = page.locator("details", has=page.get_by_text(label, exact=True))
    block.get_by_text(label, exact=True).first.click()
    expect(block).to_have_attribute("open", "")
    return block


def expect_step(page: Page, action: str, status: Status) -> None:
    expect(page.get_by_role("status")).to_have_text(DONE[action])
    expect(status_badge(page)).to_have_text(STATUS_LABELS[status])


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")


def test_referral_from_send_to_outcome(page: Page, make):
    _, _, user_a, user_b = clinical_network(make)
    today = datetime.now(TZ).date()  # the network's day
    appointment = datetime.combine(today + timedelta(days=30), datetime.min.time()).replace(
        hour=10, minute=30
    )  # as typed, in the network's time

    # 1. The GP sends a new client to the clinic found by specialty, with a letter attached.
    sign_in(page, user_a.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Send a referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a referral")
    # The page you are on is marked as such in the nav, not "Referrals" as well.
    expect(nav.locator("[aria-current=page]")).to_have_text("Send a referral")
    page.get_by_label("Find a receiver by specialty").fill("cardio")
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(re.compile(r"/referrals/new\?specialty=cardio"))
    send_to = page.get_by_label("Send to")
    expect(send_to.get_by_role("option", name=re.compile("Riverton Heart Clinic"))).to_have_count(1)
    expect(send_to.get_by_role("option", name=re.compile("Physio"))).to_have_count(0)
    send_to.select_option(label="Riverton Heart Clinic — Cardiology · Riverton · accepting")
    # A clinical network sends clinical referrals only: no choice of kind to get wrong.
    expect(page.locator('input[name="kind"][value="clinical"]')).to_have_count(1)
    expect(page.get_by_label("Professional (a client)")).to_have_count(0)
    page.get_by_label("Requested service").fill("Cardiology consult")
    page.get_by_label("Reason for the referral").fill("Chest pain on exertion for two weeks.")
    page.get_by_label("Priority").select_option(label="Urgent")
    expect(page.get_by_label("Existing or new client", exact=True)).to_have_value(
        ""
    )  # a new client
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill("1956-12-09")
    page.get_by_label("The client consents to sharing this referral").check()
    page.get_by_label("Documents").set_input_files(
        files=[{"name": "ecg-letter.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Send referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("status")).to_have_text(
        f"Referral #{referral_id} was sent to Riverton Heart Clinic."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Cardiology consult for Grace Hopper")
    expect(status_badge(page)).to_have_text("Waiting for answer")
    expect(page.get_by_text("Urgent", exact=True)).to_be_visible()
    documents = page.get_by_role("region", name="Request").get_by_role("listitem")
    expect(documents).to_have_text([f"ecg-letter.pdf {len(PDF)} bytes"])
    actions = page.get_by_role("region", name="What you can do now")
    expect(
        actions.get_by_text("Cancel the referral", exact=True).first
    ).to_be_visible()  # the sender may
    expect(actions.get_by_role("button", name="Accept")).to_have_count(0)  # only the receiver
    screenshot(page, "journey-1-sent")
    sign_out(page)

    # 2. The clinic is told, accepts, schedules, records the visit and closes with an outcome.
    sign_in(page, user_b.email)
    expect(unread(page)).to_have_accessible_name("Notifications 1 unread")
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for my answer"))
    row = waiting.get_by_role("row").filter(has_text="Grace Hopper")
    expect(row).to_contain_text("Riverside GP")
    expect(row).to_contain_text("Urgent")
    row.get_by_role("link", name="Grace Hopper").click()
    expect(page).to_have_url(re.compile(rf"/referrals/{referral_id}$"))
    expect(unread(page)).to_have_text("Notifications")  # opening the referral read it

    page.get_by_role("button", name="Accept").click()
    expect_step(page, "accept", Status.ACCEPTED)

    block = open_action(page, "Schedule the visit")
    block.get_by_label("Appointment").fill(appointment.strftime("%Y-%m-%dT%H:%M"))
    block.get_by_role("button", name="Schedule the visit").click()
    expect_step(page, "schedule", Status.SCHEDULED)
    request = page.get_by_role("region", name="Request")
    expect(request).to_contain_text(f"{appointment:%d %b %Y, %H:%M}")

    block = open_action(page, "Record the visit")
    block.get_by_label("Visit date").fill(today.isoformat())
    block.get_by_role("button", name="Record the visit").click()
    # The visit is dated before the appointment: the page asks, the date kept, then records.
    block = page.locator("details#action-record-visit")
    expect(block).to_have_attribute("open", "")
    expect(block).to_contain_text("before the appointment")
    expect(block.get_by_label("Visit date")).to_have_value(today.isoformat())
    block.get_by_label("Yes, the visit was before the appointment").check()
    block.get_by_role("button", name="Record the visit").click()
    expect_step(page, "record-visit", Status.VISITED)

    block = open_action(page, "Close with outcome")
    block.get_by_label("Outcome for the sender").fill(OUTCOME)
    block.get_by_role("button", name="Close with outcome").click()
    expect_step(page, "close", Status.CLOSED)
    # Closed: only a reopen is left, within the network's period.
    actions = page.get_by_role("region", name="What you can do now")
    expect(actions.locator("summary")).to_have_text(["Reopen the referral"])
    screenshot(page, "journey-2-closed")
    sign_out(page)

    # 3. The GP is told and reads the outcome; the timeline tells the whole story in order.
    sign_in(page, user_a.email)
    expect(unread(page)).to_have_accessible_name("Notifications 4 unread")  # one per step
    unread(page).click()
    page.get_by_role("link", name=f"Riverton Heart Clinic closed referral #{referral_id}").click()
    expect(page).to_have_url(re.compile(rf"/referrals/{referral_id}$"))
    outcome = page.get_by_role("region", name="Outcome from Riverton Heart Clinic")
    expect(outcome).to_contain_text(OUTCOME)
    expect(status_badge(page)).to_have_text("Closed")
    steps = page.get_by_role("region", name="Timeline").get_by_role("listitem")
    expect(steps).to_have_count(5)
    expected = [  # the badge of the status reached, then the step in the past tense
        ("Sent", "Dr Okafor", "Waiting for answer"),
        ("Accepted", "Dr Rivera", "Accepted"),
        ("Visit scheduled", "Dr Rivera", "Visit scheduled"),
        ("Visit recorded", "Dr Rivera", "Visited"),
        ("Closed with an outcome", "Dr Rivera", "Closed"),
    ]
    for n, (action, actor, status) in enumerate(expected):
        expect(steps.nth(n)).to_contain_text(f"{status} {action} by {actor}")
    expect(steps.nth(4)).to_contain_text(OUTCOME)
    screenshot(page, "journey-3-outcome")

    # The outbox list gives the same time of sending as the referral page: the network's.
    referral = make.session.get(Referral, referral_id)
    sent = f"{referral.sent_at.astimezone(TZ):%d %b %Y, %H:%M}"
    expect(page.get_by_text(f"sent {sent}")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("navigation", name="Boxes").get_by_role("link", name="Sent by me").click()
    row = page.get_by_role("row").filter(has_text="Grace Hopper")
    expect(row).to_contain_text("Closed")
    expect(row).to_contain_text(sent)

    # What was typed is what was stored, read in the network's time zone.
    assert referral.status == Status.CLOSED
    assert referral.outcome == OUTCOME
    assert referral.appointment_at == appointment.replace(tzinfo=TZ)
    assert referral.visited_at.astimezone(TZ).date() == today


def test_closing_without_an_outcome_is_refused_next_to_the_field(page: Page, make):
    gp, clinic, _, user_b = clinical_network(make)
    referral = make.referral(gp, clinic, status=Status.VISITED, outcome=None)

    sign_in(page, user_b.email)
    page.goto(f"/referrals/{referral.id}")
    block = open_action(page, "Close with outcome")
    block.get_by_role("button", name="Close with outcome").click()

    expect(page.get_by_role("alert").first).to_have_text(
        "The action could not be carried out. Check the fields."
    )
    block = page.locator("details", has=page.get_by_text("Close with outcome", exact=True))
    expect(block).to_have_attribute("open", "")  # still unfolded, on the field to fix
    outcome = block.get_by_label("Outcome for the sender")
    expect(outcome).to_have_attribute("aria-invalid", "true")
    # The error is read out with the field, not only shown beside it.
    expect(outcome).to_have_accessible_description("The sender reads this. Outcome is required.")
    expect(block.get_by_role("alert")).to_have_text("Outcome is required.")
    expect(status_badge(page)).to_have_text("Visited")
    make.session.refresh(referral)
    assert referral.status == Status.VISITED


def test_receiver_downloads_the_attached_pdf(page: Page, make, live_server):
    gp, clinic, user_a, user_b = clinical_network(make)
    referral = make.referral(gp, clinic)
    key = secrets.token_hex(16)
    (Path(live_server.app.config["DOCUMENTS_DIR"]) / key).write_bytes(PDF)
    make.session.add(
        Document(
            referral_id=referral.id,
            filename="ecg-letter.pdf",
            content_type="application/pdf",
            size_bytes=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
            storage_key=key,
            uploaded_by_id=user_a.id,
        )
    )
    make.session.commit()  # the server reads it from its own connection

    sign_in(page, user_b.email)
    page.goto(f"/referrals/{referral.id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ecg-letter.pdf").click()
    download = download_info.value

    assert download.suggested_filename == "ecg-letter.pdf"
    assert Path(download.path()).read_bytes() == PDF
