"""The client opens the link from their e-mail, without an account, and confirms they will
attend; the receiver sees it in the referral's timeline and notifications. Then the client
asks for another time, with a message, without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Status
from app.referrals.client_links import client_link
from tests.browser.steps import screenshot, sign_in

pytestmark = pytest.mark.browser


def client_path(referral) -> str:
    path = "/c/" + client_link(referral).split("/c/", 1)[1]
    db.session.commit()
    return path


def scheduled_for_client(make):
    network = make.network(name="Riverside Health", timezone="Europe/London")
    gp = make.member(network, name="Riverside GP")
    clinic = make.member(
        network,
        name="Riverton Heart Clinic",
        specialties=["Cardiology"],
        phone="+44 20 7946 0000",
        address="1 Quay Street",
        city="Riverton",
    )
    receiver = make.practitioner(clinic, name="Dr Osei")
    client = make.client(network, email="ada@example.org", contact_consent=True)
    referral = make.referral(
        gp, clinic, Status.SCHEDULED, client=client, reason="MARKER-REASON chest pain"
    )
    return referral, receiver


def test_the_client_confirms_from_the_link_and_the_receiver_sees_it(open_page, make):
    referral, receiver = scheduled_for_client(make)
    referral_id = referral.id
    path = client_path(referral)

    page: Page = open_page()
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your referral to Riverton Heart Clinic"
    )
    expect(
        page.get_by_text("Your appointment with Riverton Heart Clinic is booked.")
    ).to_be_visible()
    expect(page.get_by_text("+44 20 7946 0000")).to_be_visible()
    expect(page.get_by_text("MARKER-REASON")).to_have_count(0)
    expect(page.get_by_role("link", name="Add to my calendar (.ics)")).to_be_visible()
    page.get_by_role("button", name="I will attend").click()
    expect(page.get_by_text("Thank you. Your answer was sent to them.")).to_be_visible()
    expect(page.get_by_text("You told Riverton Heart Clinic you will attend.")).to_be_visible()
    screenshot(page, "client-confirmed")

    staff: Page = open_page()
    sign_in(staff, receiver.email)
    staff.wait_for_url("**/dashboard")
    staff.goto(f"/referrals/{referral_id}")
    timeline = staff.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("The client confirmed they will attend")
    staff.goto("/notifications/")
    expect(staff.get_by_text(f"The client of referral #{referral_id} confirmed")).to_be_visible()


def test_the_client_asks_for_another_time_without_javascript(open_page, make):
    referral, receiver = scheduled_for_client(make)
    referral_id = referral.id
    path = client_path(referral)

    page: Page = open_page(java_script_enabled=False)
    page.goto(path)
    page.get_by_text("I need another time").click()
    page.get_by_label("A short message (optional)").fill("Mornings suit me better")
    page.get_by_role("button", name="Ask for another time").click()
    expect(page.get_by_text("Thank you. Your answer was sent to them.")).to_be_visible()
    expect(page.get_by_text("You asked Riverton Heart Clinic for another time.")).to_be_visible()

    staff: Page = open_page()
    sign_in(staff, receiver.email)
    staff.wait_for_url("**/dashboard")
    staff.goto(f"/referrals/{referral_id}")
    timeline = staff.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("The client asked to rebook")
    expect(timeline).to_contain_text("Mornings suit me better")


def test_a_bad_link_opens_nothing(open_page, make):
    referral, _receiver = scheduled_for_client(make)
    path = client_path(referral)
    page: Page = open_page()
    response = page.goto(path[:-3] + "xyz")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not open anything")
    expect(page.get_by_text("Riverton")).to_have_count(0)
