"""The end of the link path: a client comes through a link on a phone (the intake shows the
network's disclosure), confirms the e-mail over real SMTP, the receiver closes with a value;
one pending reward waits; the coordinator approves it in the review queue and pays it; the
payout CSV carries it. Every reward page is axe-clean at 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import LinkIntake, Notification, Reward, RewardStatus, Role
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
DISCLOSURE = "Harbour Accountants may receive 50.00 from Quayside Family Law for your referral."


def _check_page(page: Page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert sideways_overflow(page) is None, name


def _business_network(make):
    network = make.network(
        name="Harbour Business Network",
        kind="professional",
        monetary_rewards_allowed=True,
        reward_disclosure=DISCLOSURE,
    )
    owner = make.member(network, name="Harbour Accountants", specialties=["Accounting"])
    target = make.member(network, name="Quayside Family Law", specialties=["Family law"])
    owner_user = make.practitioner(owner, name="Ana Accountant")
    receiver = make.practitioner(target, name="Lee Lawyer")
    coordinator = make.user(Role.COORDINATOR, networks=[network], name="Cora Coordinator")
    programme = set_up_programme(
        coordinator,
        ProgrammeInput(
            name="Refer a client",
            network_id=network.id,
            reward_kind="fixed",
            amount="50.00",
            stage="closed",
            leaderboard=True,
        ),
    )
    _token, secret = create_token(owner_user, "reward journey")
    db.session.commit()
    return owner_user, receiver, coordinator, programme, {"Authorization": f"Bearer {secret}"}


def _client_comes_through(open_page, smtp_server, target_id, headers) -> tuple[int, int]:
    api: Page = open_page()
    response = api.request.post(
        "/api/v1/links", data={"target_member_id": target_id}, headers=headers
    )
    assert response.status == 201, response.text()
    link = response.json()
    phone: Page = open_page(viewport=PHONE_NARROW)
    phone.goto("/r/" + link["url"].split("/r/", 1)[1] + "?c=email")
    expect(phone.locator("#reward-disclosure")).to_contain_text(DISCLOSURE)
    _check_page(phone, "intake with disclosure")
    send_intake(phone)
    confirm_intake(phone, smtp_server)
    return link["id"], db.session.scalar(select(LinkIntake.referral_id))


def _receiver_closes_with_value(open_page, receiver, referral_id: int) -> None:
    staff: Page = open_page()
    sign_in(staff, receiver.email)
    staff.wait_for_url("**/dashboard")
    staff.goto(f"/referrals/{referral_id}")
    accept_meet_and_close(staff, "Outcome for the sender", "1800.00")


def test_a_closed_referral_through_a_link_earns_a_reward_that_is_approved_and_paid(
    open_page, make, smtp_server
):
    owner_user, receiver, coordinator, programme, headers = _business_network(make)
    link_id, referral_id = _client_comes_through(
        open_page, smtp_server, receiver.members[0].id, headers
    )
    _receiver_closes_with_value(open_page, receiver, referral_id)

    db.session.expire_all()
    rewards = db.session.scalars(select(Reward)).all()
    assert [(r.referral_id, r.link_id, r.status, str(r.amount)) for r in rewards] == [
        (referral_id, link_id, RewardStatus.PENDING, "50.00")
    ]
    reward = rewards[0]

    # The coordinator approves it in the review queue, on a phone.
    desk: Page = open_page(viewport=PHONE_NARROW)
    sign_in(desk, coordinator.email)
    desk.wait_for_url("**/dashboard")
    desk.goto("/rewards/review")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Reward review queue")
    _check_page(desk, "review queue")
    screenshot(desk, "reward-review-360")
    desk.get_by_role("button", name=f"Approve reward #{reward.id}").click()
    expect(desk.get_by_role("status")).to_contain_text(f"Reward #{reward.id} is approved")
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).status == RewardStatus.APPROVED
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "reward"))
    assert list(told) == [owner_user.id]

    # Paid in one batch; the CSV carries it; a second batch pays nothing more.
    desk.goto(f"/rewards/payouts/{programme.network_id}")
    _check_page(desk, "payouts")
    desk.get_by_role("button", name="Pay approved rewards").click()
    expect(desk.get_by_role("status")).to_contain_text("1 reward(s) marked paid")
    download = desk.get_by_role("link", name=re.compile("CSV of batch"))
    csv = desk.request.get(download.get_attribute("href")).text()
    rows = csv.splitlines()
    assert len(rows) == 2 and f",{referral_id}," in rows[1] and ",50.00," in rows[1]
    assert "Harbour Accountants" in rows[1]
    desk.get_by_role("button", name="Pay approved rewards").click()
    expect(desk.get_by_role("status")).to_contain_text("No approved reward")

    # The other reward pages, at 360 px.
    for path, name in (
        ("/rewards/programmes", "programmes"),
        ("/rewards/programmes/new", "programme form"),
        (f"/rewards/programmes/{programme.id}/report", "report"),
        (f"/rewards/programmes/{programme.id}/leaderboard", "leaderboard"),
    ):
        desk.goto(path)
        _check_page(desk, name)
    screenshot(desk, "reward-leaderboard-360")
    desk.goto("/rewards/programmes/new")
    desk.get_by_label("Name", exact=True).fill("Cash for clinics")
    desk.get_by_label("Amount", exact=True).fill("-5")
    desk.get_by_role("button", name="Start the programme").click()
    expect(desk.locator(".field.has-error")).not_to_have_count(0)
    _check_page(desk, "programme form with errors")

    earner: Page = open_page(viewport=PHONE_NARROW)
    sign_in(earner, owner_user.email)
    earner.wait_for_url("**/dashboard")
    earner.goto("/rewards/")
    expect(earner.locator("main")).to_contain_text("50.00 fixed reward")
    _check_page(earner, "my rewards")
    screenshot(earner, "my-rewards-360")
