"""What a person does in the browser, in a few named steps the journeys share."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

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
