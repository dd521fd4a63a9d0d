"""A long unbroken word (a compound service name, a pasted URL) wraps: the referral page and
the lists keep to the screen's width at 360 and 1280 px (found by the tester)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from app.models import Status
from tests.browser.a11y import sideways_overflow
from tests.browser.steps import PHONE, sign_in

pytestmark = pytest.mark.browser

LONG = "Pneumonoultramicroscopicsilicovolcanoconiosisassessmentandrehabilitationprogramme"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_long_word_wraps_instead_of_widening_the_page(open_page, make, viewport):
    network = make.network()
    gp, clinic = make.member(network, name="Riverside GP"), make.member(network, name="Clinic")
    referral = make.referral(gp, clinic, Status.SENT, service=LONG, reason=LONG)
    sender = make.practitioner(gp)
    page: Page = open_page(viewport) if viewport else open_page()
    sign_in(page, sender.email)
    for path in (f"/referrals/{referral.id}", "/referrals/?box=outbox", "/dashboard"):
        page.goto(path)
        assert sideways_overflow(page) is None, (path, sideways_overflow(page))
