"""Screenshots for the README: sign in to a running refnet with demo data and save PNGs.

    .venv/bin/flask demo-data && .venv/bin/flask run --port 5077 &
    .venv/bin/python -m bench.screenshots http://127.0.0.1:5077

Each login gets its own browser context (own cookies), at 1280 px wide. Pages are taken
full height but clipped at MAX_HEIGHT, so the PNGs stay small enough for the repository.
Chromium is Debian's package with the browser tests' launch flags; a page that answers
with an error, or sends us back to the sign-in page, stops the script rather than being
saved as a picture of the problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from app.demo.logins import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM_ARGS, NO_CHROMIUM, chromium_path

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WIDTH = 1280
MAX_HEIGHT = 1400
MAX_BYTES = 300_000
BY_REFNET = re.compile(r"\bby refnet\b")


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    if response is None or not response.ok:
        status = response.status if response else "no response"
        raise SystemExit(f"{path} answered {status}")
    if "/login" in page.url:
        raise SystemExit(f"{path} sent us to the sign-in page")


def shoot(page: Page, out: Path, name: str) -> Path:
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
    path = out / f"{name}.png"
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": WIDTH, "height": height},
        animations="disabled",
        caret="hide",
    )
    size = path.stat().st_size
    print(f"{path.name:28} {WIDTH}x{height}  {size / 1024:6.0f} KB")
    if size > MAX_BYTES:
        raise SystemExit(f"{path.name} is {size} bytes, over {MAX_BYTES}: make the page shorter")
    return path


def closed_referral(page: Page) -> None:
    """The first closed referral of the outbox whose steps were all taken by people.

    A timeline "by refnet" (demo members with no login) reads as if refnet had accepted
    the referral itself, so such referrals are passed over while a better one exists.
    """
    listing = "/referrals/?box=outbox&status=closed"
    visit(page, listing)
    count = page.get_by_role("table").get_by_role("row").count() - 1  # less the header
    if count < 1:
        raise SystemExit("the outbox has no closed referral: is the demo data loaded?")
    for n in range(1, count + 1):
        if n > 1:
            visit(page, listing)
        row = page.get_by_role("table").get_by_role("row").nth(n)
        expect(row).to_contain_text("Closed")
        row.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Outcome from")).to_be_visible()
        steps = page.get_by_role("region", name="Timeline").get_by_role("listitem")
        if steps.filter(has_text=BY_REFNET).count() == 0:
            return
    visit(page, listing)  # none by people only: the first one after all
    page.get_by_role("table").get_by_role("row").nth(1).get_by_role("link").first.click()


def intake_page(page: Page) -> None:
    """The public page a client sees when opening the member's first link: signed out, as
    the client is (this is the last step of its login's context)."""
    visit(page, "/links")
    code = re.search(r"/r/([0-9A-Z]+)", page.content())
    if code is None:
        raise SystemExit("My links shows no link: is the demo data loaded?")
    page.context.clear_cookies()
    visit(page, f"/r/{code.group(1)}")  # here, not at BASE_URL


# Who signs in, and what they are shown: (file name, how to get there).
Step = tuple[str, Callable[[Page], None]]
SHOTS: dict[str, list[Step]] = {
    "gp@refnet.example": [
        ("dashboard-practitioner", lambda page: visit(page, "/dashboard")),
        ("referral-page", closed_referral),
        ("send-form", lambda page: visit(page, "/referrals/new")),
    ],
    "cardiology@refnet.example": [
        ("referrals-inbox", lambda page: visit(page, "/referrals/")),
    ],
    "lawyer@refnet.example": [
        ("my-links", lambda page: visit(page, "/links")),
        ("intake-page", intake_page),
    ],
    "coordinator@refnet.example": [
        ("network-dashboard", lambda page: visit(page, "/dashboard")),
        ("directory", lambda page: visit(page, "/members/?specialty=cardio")),
    ],
}


def take_all(browser: Browser, base_url: str, out: Path) -> list[Path]:
    saved = []
    for email, steps in SHOTS.items():
        context = browser.new_context(
            base_url=base_url, viewport={"width": WIDTH, "height": 900}, color_scheme="light"
        )
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            sign_in(page, email)
            for name, go in steps:
                go(page)
                saved.append(shoot(page, out, name))
        finally:
            context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "base_url", help="a running refnet with demo data, e.g. http://127.0.0.1:5077"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    executable = chromium_path()
    if executable is None:
        print(NO_CHROMIUM, file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            take_all(browser, args.base_url.rstrip("/"), args.out)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
