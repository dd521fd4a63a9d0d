"""Programmes and rewards in the API and `flask rewards payouts`: same rules as the pages."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Programme, Reward, RewardStatus, Role
from app.tokens.service import create_token
from tests.rewards_setup import converted, professional_world, programme

API = "/api/v1"


def _auth(user) -> dict[str, str]:
    _token, secret = create_token(user, "tests", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_programmes_are_set_up_and_listed(client, make):
    world = professional_world(make)
    headers = _auth(world.coordinator)
    body = {
        "name": "Refer a firm",
        "network_id": world.network.id,
        "reward_kind": "fixed",
        "amount": "75.00",
        "stage": "closed",
        "tier_from": 3,
        "tier_amount": 100,
    }
    made = client.post(f"{API}/programmes", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["amount"] == "75.00" and made.get_json()["tier_amount"] == "100.00"
    listed = client.get(f"{API}/programmes", headers=headers).get_json()["items"]
    assert [p["name"] for p in listed] == ["Refer a firm"]


def test_a_monetary_programme_on_a_clinical_network_is_422(client, make):
    network = make.network(kind="clinical")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    body = {"name": "Cash", "network_id": network.id, "reward_kind": "fixed", "amount": 50}
    refused = client.post(f"{API}/programmes", json=body, headers=_auth(coordinator))
    assert refused.status_code == 422
    assert "clinical" in refused.get_json()["fields"]["reward_kind"]
    assert db.session.query(Programme).count() == 0
    wrong = client.post(
        f"{API}/programmes", json={"name": 5, "amount": True}, headers=_auth(coordinator)
    )
    assert wrong.status_code == 422


def test_rewards_are_listed_approved_and_reversed_by_the_networks_coordinator_only(client, make):
    world = professional_world(make)
    programme(world)
    _, (one,) = converted(make, world)
    _, (two,) = converted(make, world)
    other = make.network(kind="professional")
    outsider = _auth(make.user(Role.COORDINATOR, networks=[other]))
    assert client.get(f"{API}/rewards", headers=outsider).get_json()["items"] == []
    assert (
        client.post(f"{API}/rewards/{one.id}/approve", json={}, headers=outsider).status_code == 404
    )
    earner = _auth(world.referrer_user)
    assert [r["id"] for r in client.get(f"{API}/rewards", headers=earner).get_json()["items"]] == [
        two.id,
        one.id,
    ]
    assert (
        client.post(f"{API}/rewards/{one.id}/approve", json={}, headers=earner).status_code == 403
    )
    coordinator = _auth(world.coordinator)
    approved = client.post(f"{API}/rewards/{one.id}/approve", json={}, headers=coordinator)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    no_reason = client.post(f"{API}/rewards/{two.id}/reverse", json={}, headers=coordinator)
    assert no_reason.status_code == 422 and "note" in no_reason.get_json()["fields"]
    reversed_ = client.post(
        f"{API}/rewards/{two.id}/reverse", json={"note": "Cancelled"}, headers=coordinator
    )
    assert reversed_.get_json()["status"] == "reversed"
    pending = client.get(f"{API}/rewards?status=approved", headers=coordinator).get_json()
    assert [r["id"] for r in pending["items"]] == [one.id]
    assert client.get(f"{API}/rewards?status=gold", headers=coordinator).status_code == 422


def test_flask_rewards_payouts_pays_once(app, make, tmp_path):
    world = professional_world(make)
    programme(world, auto_approve=True)
    converted(make, world)
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["rewards", "payouts", "--network", str(world.network.id), "--format", "csv"]
    )
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("batch,reward_id") and len(lines) == 2
    assert ",Harbour Accountants," in lines[1] and ",50.00," in lines[1]
    again = runner.invoke(args=["rewards", "payouts", "--network", str(world.network.id)])
    assert again.stdout.splitlines() == [lines[0]]
    converted(make, world)
    out = tmp_path / "batch.csv"
    third = runner.invoke(
        args=["rewards", "payouts", "--network", str(world.network.id), "--out", str(out)]
    )
    assert third.exit_code == 0 and len(out.read_text().splitlines()) == 2
    db.session.expire_all()
    paid = db.session.scalars(select(Reward.status)).all()
    assert paid == [RewardStatus.PAID, RewardStatus.PAID]
    missing = runner.invoke(args=["rewards", "payouts", "--network", "999999"])
    assert missing.exit_code != 0


def test_coordinators_download_the_same_payout_csv(make, login):
    world = professional_world(make)
    programme(world, auto_approve=True)
    converted(make, world)
    browser = login(world.coordinator)
    assert browser.post(f"/rewards/payouts/{world.network.id}").status_code == 302
    batch = db.session.scalar(select(Reward.payout_batch))
    page = browser.get(f"/rewards/payouts/{world.network.id}").get_data(as_text=True)
    assert batch in page
    csv = browser.get(f"/rewards/payouts/{world.network.id}/{batch}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "Harbour Accountants" in csv.get_data(as_text=True)
    assert browser.get(f"/rewards/payouts/{world.network.id}/N0-nope.csv").status_code == 404


def test_the_member_that_gives_credit_marks_it_used(client, make):
    world = professional_world(make)
    from app.rewards.programmes import ProgrammeInput, set_up_programme

    set_up_programme(
        world.receiver_user,
        ProgrammeInput(name="Credit with us", reward_kind="credit", amount="25", auto_approve=True),
    )
    db.session.commit()
    _, (reward,) = converted(make, world)
    assert reward.status == RewardStatus.APPROVED
    earner = _auth(world.referrer_user)
    assert (
        client.post(f"{API}/rewards/{reward.id}/redeem", json={}, headers=earner).status_code == 403
    )
    giver = _auth(world.receiver_user)
    used = client.post(f"{API}/rewards/{reward.id}/redeem", json={}, headers=giver)
    assert used.status_code == 200 and used.get_json()["status"] == "redeemed"
    again = client.post(f"{API}/rewards/{reward.id}/redeem", json={}, headers=giver)
    assert again.status_code == 422


def test_a_client_who_earns_is_told_by_email(make):
    world = professional_world(make)
    programme(world, rewarded="client", reward_kind="points", amount="10", auto_approve=True)
    _, (reward,) = converted(make, world, email="nia@example.org")
    assert reward.earner_client_id is not None
    from app.models import OutboxMessage

    (mail,) = db.session.scalars(select(OutboxMessage)).all()
    assert mail.to == "nia@example.org" and "10 points" in mail.body


def test_hostile_programme_forms_give_no_server_error(make, login):
    world = professional_world(make)
    browser = login(world.coordinator)
    for data in (
        {"network_id": "999999", "reward_kind": "fixed"},
        {"network_id": str(world.network.id), "reward_kind": "gold", "amount": "1e400"},
        {
            "network_id": str(world.network.id),
            "reward_kind": "fixed",
            "amount": "NaN",
            "name": "x" * 5000,
            "window_days": "-1",
            "tier_from": "1e9",
        },
    ):
        response = browser.post("/rewards/programmes/new", data=data)
        assert response.status_code in (400, 422), data
    assert db.session.query(Programme).count() == 0
