"""A referral a client brings themselves: the owner makes a link through the API; a client,
signed out, on a phone, opens /r/<code>, fills in the intake and confirms the e-mail that a
real SMTP server received; the receiver sees where it came from, accepts, records the
meeting and closes with a value; the conversions are credited to the link."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.mail.outbox import deliver_all
from app.models import ConversionKind, LinkAttribution, LinkConversion, LinkIntake, Referral
from app.tokens.service import create_token
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import (
    accept_meet_and_close,
    screenshot,
    send_intake,
    sign_in,
)

pytestmark = pytest.mark.browser


def _business_network(make):
    network = make.network(name="Harbour Business Network", kind="professional")
    owner = make.member(network, name="Harbour Accountants", specialties=["Accounting"])
    target = make.member(
        network, name="Quayside Family Law", specialties=["Family law"], city="Harbourton"
    )
    owner_user = make.practitioner(owner, name="Ana Accountant")
    receiver = make.practitioner(target, name="Lee Lawyer")
    _token, secret = create_token(owner_user, "link journey")
    db.session.commit()
    return owner, target, owner_user, receiver, {"Authorization": f"Bearer {secret}"}


def _check_page(page: Page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert sideways_overflow(page) is None, name


def test_a_client_comes_through_a_link_and_the_close_is_credited_to_it(
    open_page, make, smtp_server, app
):
    owner, target, owner_user, receiver, headers = _business_network(make)

    # 1. The owner's system makes the link through the API.
    api: Page = open_page()
    response = api.request.post(
        "/api/v1/links", data={"target_member_id": target.id}, headers=headers
    )
    assert response.status == 201, response.text()
    link = response.json()
    assert {"id", "code", "url", "qr_url"} <= set(link)
    path = "/r/" + link["url"].split("/r/", 1)[1]

    # 2. A client opens it on a phone, signed out, from WhatsApp.
    phone: Page = open_page(viewport=PHONE_NARROW)
    phone.goto(f"{path}?c=whatsapp")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Harbour Accountants refers you to Quayside Family Law"
    )
    expect(phone.get_by_label("Birth date")).to_have_count(0)  # a business network
    _check_page(phone, "intake")
    screenshot(phone, "link-intake-360")
    # Sent empty first: every problem at once, in place.
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_text("Given name is required.")).to_be_visible()
    expect(phone.get_by_text("Give your e-mail address")).to_be_visible()
    _check_page(phone, "intake with errors")
    send_intake(phone)
    expect(phone.get_by_text("Nia")).to_have_count(0)  # nothing about the client shown back
    _check_page(phone, "sent")

    wide: Page = open_page()
    wide.goto(path)
    _check_page(wide, "intake at 1280")
    wide.goto("/r?code=nothing-like-a-code")
    expect(wide.get_by_text("No link has this code.")).to_be_visible()
    _check_page(wide, "code not found")

    # 3. The worker delivers the confirmation over real SMTP; the client confirms.
    assert deliver_all() >= 1
    mail = next(m for m in smtp_server if m["To"] == "nia.okafor@example.org")
    body = mail.get_payload(decode=True).decode() if not mail.is_multipart() else str(mail)
    confirm = re.search(r"/r/confirm/[A-Za-z0-9_.-]+", body).group(0)
    phone.goto(confirm)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your e-mail address is confirmed")
    _check_page(phone, "confirmed")
    screenshot(phone, "link-confirmed-360")

    referral_id = db.session.scalar(select(LinkIntake.referral_id))
    db.session.expire_all()
    referral = db.session.get(Referral, referral_id)
    assert referral.sender_id == owner.id and referral.receiver_id == target.id

    # 4. The receiver sees where it came from, accepts, records the meeting, closes with a value.
    staff: Page = open_page()
    sign_in(staff, receiver.email)
    staff.wait_for_url("**/dashboard")
    staff.goto(f"/referrals/{referral_id}")
    source = staff.get_by_role("region", name="Sent by the client through a link")
    expect(source).to_contain_text("Harbour Accountants")
    expect(source).to_contain_text("e-mail address was confirmed")
    _check_page(staff, "referral from a link")
    accept_meet_and_close(staff, "Outcome for the sender", "1800.00")

    # 5. The conversions are the link's; the owner sees them on "My links".
    db.session.expire_all()
    attribution = db.session.get(LinkAttribution, referral_id)
    assert attribution.link_id == link["id"]
    conversions = {
        c.kind: c
        for c in db.session.scalars(
            select(LinkConversion).where(LinkConversion.referral_id == referral_id)
        )
    }
    assert set(conversions) == set(ConversionKind)
    assert {c.link_id for c in conversions.values()} == {link["id"]}
    assert conversions[ConversionKind.CLOSED].value == Decimal("1800.00")

    mine: Page = open_page(viewport=PHONE_NARROW)
    sign_in(mine, owner_user.email)
    mine.wait_for_url("**/dashboard")
    mine.goto("/links")
    card = mine.locator(f"#link-{link['id']}")
    expect(card).to_contain_text("Quayside Family Law")
    expect(card.locator("dl")).to_contain_text("1800.00")
    expect(card.get_by_role("link", name="WhatsApp")).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/\?text=.*c%3Dwhatsapp")
    )
    _check_page(mine, "my links")
    screenshot(mine, "my-links-360")
    mine.set_viewport_size({"width": 1280, "height": 800})
    _check_page(mine, "my links at 1280")
    mine.goto(f"/links/{link['id']}/card")
    expect(mine.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    _check_page(mine, "card")
