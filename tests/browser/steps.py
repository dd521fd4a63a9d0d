"""What a person does in the browser, in a few named steps the journeys share."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from app.mail.outbox import deliver_all
from tests.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill the real sign-in form (CSRF token and all) and submit it."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under test-artifacts/, kept by CI for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


CLIENT_EMAIL = "nia.okafor@example.org"


def send_intake(phone: Page) -> None:
    """A client fills a link's public intake page and sends it."""
    phone.get_by_label("Given name").fill("Nia")
    phone.get_by_label("Family name").fill("Okafor")
    phone.get_by_label("E-mail", exact=True).fill(CLIENT_EMAIL)
    phone.get_by_label("What would you like help with?").fill("Advice on a separation.")
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you: one more step")


def confirm_intake(phone: Page, smtp_server) -> None:
    """The worker delivers the confirmation over real SMTP; the client follows its link."""
    assert deliver_all() >= 1
    mail = next(m for m in smtp_server if m["To"] == CLIENT_EMAIL)
    body = mail.get_payload(decode=True).decode() if not mail.is_multipart() else str(mail)
    phone.goto(re.search(r"/r/confirm/[A-Za-z0-9_.-]+", body).group(0))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your e-mail address is confirmed")


def accept_meet_and_close(staff: Page, outcome_label, value: str) -> None:
    """The receiver, on the referral's page, accepts, records the meeting and closes with
    an outcome and a closed-business value."""
    badge = staff.locator(".status-block .badge.big")
    staff.get_by_role("button", name="Accept").click()
    expect(badge).to_have_text("Accepted")
    block = staff.locator("details", has=staff.get_by_text("Record the meeting", exact=True))
    block.get_by_text("Record the meeting", exact=True).first.click()
    block.get_by_label("Meeting date").fill(date.today().isoformat())
    block.get_by_role("button", name="Record the meeting").click()
    expect(badge).not_to_have_text("Accepted")
    block = staff.locator("details", has=staff.get_by_text("Close with outcome", exact=True))
    block.get_by_text("Close with outcome", exact=True).first.click()
    block.get_by_label(outcome_label).fill("Agreement drafted and signed.")
    block.get_by_label("Closed-business value (optional)").fill(value)
    block.get_by_role("button", name="Close with outcome").click()
    expect(badge).to_have_text("Closed")
