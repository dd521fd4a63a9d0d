"""After a decline: three alternatives and one click to send the client there instead; a
thanks once closed; the suggestions, the report's recognition and its settings page at 1280
and 360 px, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import Role, Status
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import sign_in
from tests.browser.test_accessibility import check_pages

pytestmark = pytest.mark.browser


def _network(make):
    net = make.network(name="Riverside Health", show_leaderboard=True)
    gp = make.member(net, name="Riverside GP", city="Leeds", latitude=53.80, longitude=-1.55)
    gone = make.member(net, name="Riverton Heart Clinic", specialties=["Cardiology"])
    near = make.member(
        net,
        name="Station Road Cardiology and Cardiac Rehabilitation Centre",
        specialties=["Cardiology"],
        city="Leeds",
        latitude=53.81,
        longitude=-1.56,
    )
    make.member(net, name="York Heart", specialties=["Cardiology"], city="York")
    make.member(net, name="Far Heart", specialties=["Cardiology"], city="London", capacity=3)
    for _ in range(3):
        make.referral(near, gp, Status.ACCEPTED)
    sender = make.practitioner(gp, name="Dr Okafor", email="okafor@example.org")
    coordinator = make.user(Role.COORDINATOR, networks=[net], email="coord@example.org")
    declined = make.referral(gp, gone, Status.DECLINED, service="Cardiology")
    closed = make.referral(gp, near, Status.CLOSED)
    return {
        "net": net,
        "near": near,
        "sender": sender,
        "coordinator": coordinator,
        "declined": declined,
        "closed": closed,
    }


def test_send_to_an_alternative_instead_then_thank(page: Page, make):
    world = _network(make)
    sign_in(page, world["sender"].email)
    page.goto(f"/referrals/{world['declined'].id}")
    others = page.get_by_role("region", name=re.compile("to someone else"))
    expect(others.locator("li")).to_have_count(3)
    expect(others.locator("li").first).to_contain_text("Station Road Cardiology")
    expect(others.locator("li").first).to_contain_text("1 km away")
    others.get_by_role("link", name=re.compile("^Send to Station Road")).click()
    expect(page).to_have_url(re.compile(r"/referrals/new\?again="))
    expect(page.get_by_text(f"Filled in from referral #{world['declined'].id}")).to_be_visible()
    expect(page.locator("#receiver_id")).to_have_value(str(world["near"].id))

    page.goto(f"/referrals/{world['closed'].id}")
    thanks = page.get_by_role("region", name="Thanks")
    thanks.get_by_label("Your note of thanks").fill("Thank you for seeing Mrs Lovelace so soon.")
    thanks.get_by_role("button", name="Say thanks").click()
    expect(page.get_by_text("Your thanks were sent.")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Thanked by Riverside GP")
    expect(page.get_by_role("button", name="Say thanks")).to_have_count(0)


def test_new_pages_at_both_widths(open_page, make):
    world = _network(make)
    sender_paths = [
        f"/referrals/{world['declined'].id}",
        f"/referrals/{world['closed'].id}",
        "/referrals/new?specialty=Cardiology",
    ]
    problems = check_pages(open_page, world["sender"].email, sender_paths, "suggestions")
    nid = world["net"].id
    coordinator_paths = [f"/reports/networks/{nid}", f"/reports/networks/{nid}/settings"]
    problems += check_pages(open_page, world["coordinator"].email, coordinator_paths, "recognition")
    assert problems == [], "\n".join(problems)


def test_settings_errors_are_clean_on_a_phone(open_page, make):
    world = _network(make)
    page: Page = open_page(PHONE_NARROW)
    sign_in(page, world["coordinator"].email)
    page.wait_for_url("**/dashboard")
    page.goto(f"/reports/networks/{world['net'].id}/settings")
    page.get_by_label("Amber when it gave fewer than").fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("amber must be at least red")).to_be_visible()
    assert axe_violations(page) == []
    assert sideways_overflow(page) is None
