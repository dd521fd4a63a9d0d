"""A member's own link: the member's system makes it through the API with the target alone
(the member itself); a friend of a client, signed out, on a phone, opens /r/<code>, fills
in the intake and confirms the e-mail that a real SMTP server received; the member is told
of the lead, sees a referral that no member sent, accepts, records the meeting and closes
with a value; the close is the link's and earns the member a pending reward."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.mail.outbox import deliver_all
from app.models import LinkAttribution, LinkIntake, Referral, Reward, RewardStatus, Role
from app.rewards.programmes import ProgrammeInput, set_up_programme
from app.tokens.service import create_token
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import (
    accept_meet_and_close,
    confirm_intake,
    screenshot,
    send_intake,
    sign_in,
)

pytestmark = pytest.mark.browser


def _check_page(page: Page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert sideways_overflow(page) is None, name


def test_a_members_own_link_brings_a_client_to_the_member_and_earns_it(
    open_page, make, smtp_server, app
):
    network = make.network(
        name="Harbour Business Network", kind="professional", monetary_rewards_allowed=True
    )
    member = make.member(network, name="Quayside Family Law", specialties=["Family law"])
    user = make.practitioner(member, name="Lee Lawyer")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    set_up_programme(
        coordinator,
        ProgrammeInput(
            name="Friends of clients", network_id=network.id, reward_kind="fixed", amount="40"
        ),
    )
    _token, secret = create_token(user, "own link journey")
    db.session.commit()

    # 1. The member's system makes its own link: the target alone, the owner by default.
    api: Page = open_page()
    response = api.request.post(
        "/api/v1/links",
        data={"target_member_id": member.id},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status == 201, response.text()
    link = response.json()
    assert link["owner_member_id"] == link["target_member_id"] == member.id
    path = "/r/" + link["url"].split("/r/", 1)[1]

    # 2. A friend opens it on a phone, signed out, and sends the intake.
    phone: Page = open_page(viewport=PHONE_NARROW)
    phone.goto(f"{path}?c=sms")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Quayside Family Law welcomes you")
    _check_page(phone, "own link intake")
    screenshot(phone, "own-link-intake-360")
    send_intake(phone)

    # 3. The worker delivers the confirmation over real SMTP; the friend confirms.
    confirm_intake(phone, smtp_server)
    referral_id = db.session.scalar(select(LinkIntake.referral_id))
    db.session.expire_all()
    assert db.session.get(Referral, referral_id).sender_id is None

    # 4. The member is told of the lead and works the referral, no sender on it.
    deliver_all()
    assert any(m["To"] == user.email and "brought a lead" in m["Subject"] for m in smtp_server)
    staff: Page = open_page()
    sign_in(staff, user.email)
    staff.wait_for_url("**/dashboard")
    staff.goto("/notifications/")
    expect(staff.get_by_text(re.compile("brought a lead"))).to_be_visible()
    staff.goto(f"/referrals/{referral_id}")
    expect(staff.locator(".page-head")).to_contain_text("A client, through the member's own link")
    expect(staff.get_by_text("Ask for more information")).to_have_count(0)
    _check_page(staff, "referral from an own link")
    screenshot(staff, "own-link-referral")
    accept_meet_and_close(staff, re.compile("^Outcome"), "900.00")

    # 5. Attributed to the link; one pending reward for its owner.
    db.session.expire_all()
    assert db.session.get(LinkAttribution, referral_id).link_id == link["id"]
    rewards = db.session.scalars(select(Reward).where(Reward.referral_id == referral_id)).all()
    assert [(r.status, r.earner_member_id, r.link_id) for r in rewards] == [
        (RewardStatus.PENDING, member.id, link["id"])
    ]
