"""Reward pages: the programme form (refusals in place), my rewards, the report with its
CSV, the leaderboard, network settings, the intake page's disclosure and My links."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Programme, RewardStatus, Role
from app.rewards import review
from app.rewards.programmes import ProgrammeInput, set_up_programme
from tests.conftest import PASSWORD, csrf_token_from
from tests.rewards_setup import converted, link, professional_world, programme

FORM = {
    "name": "Bring a firm",
    "rewarded": "referrer",
    "reward_kind": "fixed",
    "amount": "40",
    "stage": "closed",
    "reverse_within_days": "30",
    "attribution": "last",
    "window_days": "30",
    "cap_period": "",
    "variant_b_kind": "",
}


def test_a_coordinator_sets_up_a_programme_and_a_clinical_one_is_refused_in_place(make, login):
    world = professional_world(make)
    clinical = make.network(kind="clinical", name="Clinical Care")
    world.coordinator.networks.append(clinical)
    db.session.commit()
    browser = login(world.coordinator)
    assert browser.get("/rewards/programmes/new").status_code == 200
    refused = browser.post("/rewards/programmes/new", data=FORM | {"network_id": clinical.id})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "anti-kickback" in page
    assert 'aria-invalid="true"' in page
    made = browser.post("/rewards/programmes/new", data=FORM | {"network_id": world.network.id})
    assert made.status_code == 302
    assert db.session.scalar(select(Programme.name)) == "Bring a firm"
    listed = browser.get("/rewards/programmes").get_data(as_text=True)
    assert "Bring a firm" in listed and "Clinical Care" in listed


def test_a_practitioner_sees_its_rewards_and_its_programmes(make, login):
    world = professional_world(make)
    programme(world, leaderboard=True)
    _, (reward,) = converted(make, world)
    review.approve(world.coordinator, reward)
    db.session.commit()
    browser = login(world.referrer_user)
    page = browser.get("/rewards/").get_data(as_text=True)
    assert "50.00 fixed reward" in page and "Approved" in page
    board = browser.get(f"/rewards/programmes/{reward.programme_id}/leaderboard")
    assert board.status_code == 200 and "Harbour Accountants" in board.get_data(as_text=True)
    assert browser.get(f"/rewards/programmes/{reward.programme_id}/report").status_code == 403
    links_page = browser.get("/links").get_data(as_text=True)
    assert "Rewards through these links" in links_page and "1 approved (50.00)" in links_page


def test_the_programme_report_and_its_csv(make, login):
    world = professional_world(make)
    made = programme(world, auto_approve=True)
    converted(make, world, business_value="1000.00")
    browser = login(world.coordinator)
    page = browser.get(f"/rewards/programmes/{made.id}/report").get_data(as_text=True)
    assert "Reward cost" in page and "Top referrers" in page and "Harbour Accountants" in page
    csv = browser.get(f"/rewards/programmes/{made.id}/report-summary.csv").get_data(as_text=True)
    assert "reward_cost,50.00" in csv
    referrers = browser.get(f"/rewards/programmes/{made.id}/report-referrers.csv")
    assert "Harbour Accountants,1,50.00" in referrers.get_data(as_text=True)


def test_network_settings_and_the_intake_disclosure(make, login, client):
    world = professional_world(make, monetary=False)
    browser = login(world.coordinator)
    prefix = f"n{world.network.id}-"
    refused = browser.post(
        f"/rewards/networks/{world.network.id}/settings",
        data={prefix + "monetary_rewards_allowed": "y", prefix + "reward_disclosure": ""},
        follow_redirects=True,
    )
    assert "Disclosure is required" in refused.get_data(as_text=True)
    saved = browser.post(
        f"/rewards/networks/{world.network.id}/settings",
        data={
            prefix + "monetary_rewards_allowed": "y",
            prefix + "reward_disclosure": "Harbour may receive 50 for your referral.",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    shared = link(world)
    programme(world)
    browser.post("/logout")
    intake = client.get(f"/r/{shared.code}").get_data(as_text=True)
    assert "Harbour may receive 50 for your referral." in intake


def test_no_disclosure_without_a_monetary_programme(make, client):
    world = professional_world(make)
    shared = link(world)
    programme(world, reward_kind="points", amount="10")
    assert "Disclosure" not in client.get(f"/r/{shared.code}").get_data(as_text=True)


def test_pages_refuse_outsiders(make, login):
    world = professional_world(make)
    made = programme(world, leaderboard=False)
    other = make.network(kind="professional")
    browser = login(make.user(Role.COORDINATOR, networks=[other]))
    assert browser.get(f"/rewards/programmes/{made.id}/leaderboard").status_code == 404
    assert browser.post(f"/rewards/programmes/{made.id}/pause").status_code == 404
    assert browser.post(f"/rewards/networks/{world.network.id}/settings").status_code in (400, 403)


def test_redeem_from_the_rewards_page_with_csrf_for_whoever_gives_it(make, login, app):
    """The giver (the programme's owner member) marks a used credit redeemed on the page,
    through review.redeem like the API; the earner has no button and is refused."""
    world = professional_world(make)
    given = set_up_programme(
        world.receiver_user,
        ProgrammeInput(name="Credit for friends", reward_kind="credit", amount="20"),
    )
    db.session.commit()
    _, (reward,) = converted(make, world)
    assert reward.programme_id == given.id
    review.approve(world.coordinator, reward)
    db.session.commit()

    earner = app.test_client()
    earner.post("/login", data={"email": world.referrer_user.email, "password": PASSWORD})
    assert "Mark used" not in earner.get("/rewards/").get_data(as_text=True)
    refused = earner.post(f"/rewards/{reward.id}/redeem", data={"back": "mine"})
    assert refused.status_code == 302
    assert "can mark it used" in earner.get("/rewards/").get_data(as_text=True)
    db.session.refresh(reward)
    assert reward.status == RewardStatus.APPROVED

    giver = login(world.receiver_user)
    page = giver.get("/rewards/").get_data(as_text=True)
    assert "Rewards to honour" in page and f"reward #{reward.id}" in page
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert giver.post(f"/rewards/{reward.id}/redeem", data={"back": "mine"}).status_code == 400
        db.session.refresh(reward)
        assert reward.status == RewardStatus.APPROVED
        token = csrf_token_from(giver.get("/rewards/").get_data(as_text=True))
        done = giver.post(
            f"/rewards/{reward.id}/redeem", data={"back": "mine", "csrf_token": token}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 302 and done.headers["Location"].endswith("/rewards/")
    db.session.refresh(reward)
    assert reward.status == RewardStatus.REDEEMED and reward.redeemed_at is not None
    assert "Rewards to honour" not in giver.get("/rewards/").get_data(as_text=True)
