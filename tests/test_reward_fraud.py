"""Each fraud signal holds the reward for review with its reason; the review queue page
approves or rejects (audited); another network's coordinator gets nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.links.conversions import record_conversion
from app.links.service import create_link
from app.models import (
    AuditLog,
    ConversionKind,
    LinkAttribution,
    LinkIntake,
    Reward,
    RewardStatus,
    Role,
    Status,
    Touch,
    utcnow,
)
from tests.rewards_setup import converted, professional_world, programme


def _signals(rewards) -> set[str]:
    (reward,) = rewards
    assert reward.status == RewardStatus.HELD
    return {flag["signal"] for flag in reward.flags}


def test_no_signal_leaves_the_reward_pending(make):
    world = professional_world(make)
    programme(world)
    _, (reward,) = converted(make, world, email="new.client@example.org")
    assert reward.status == RewardStatus.PENDING and not reward.flags


def test_self_referral_by_the_owners_email_or_phone(make):
    world = professional_world(make)
    programme(world)
    _, by_mail = converted(make, world, email="ANN@harbour.example ")
    assert _signals(by_mail) == {"self_referral"}
    world.referrer.phone = "+44 20 7946 0000"
    db.session.commit()
    client = make.client(world.network, phone="020 7946 0000")
    _, by_phone = converted(make, world, client=client)
    assert _signals(by_phone) == {"self_referral"}
    assert "phone" in by_phone[0].flags[0]["reason"]


def test_a_client_who_shares_a_link_and_refers_themselves(make):
    world = professional_world(make)
    programme(world)
    sharer = make.client(
        world.network, email="sharer@example.org", created_by_member_id=world.referrer.id
    )
    shared = create_link(
        None, world.receiver.id, owner_member_id=world.referrer.id, owner_client_id=sharer.id
    )
    referral = make.referral(
        world.referrer, world.receiver, status=Status.CLOSED, kind="professional", client=sharer
    )
    db.session.add(
        LinkAttribution(referral_id=referral.id, link_id=shared.id, touch=Touch.LAST, at=utcnow())
    )
    record_conversion(referral, ConversionKind.CLOSED, utcnow())
    rewards = db.session.scalars(select(Reward)).all()
    assert [r.earner_client_id for r in rewards] == [sharer.id]
    assert _signals(rewards) == {"self_referral"}


def test_the_same_client_again_within_the_days(make):
    world = professional_world(make)
    programme(world)
    client = make.client(world.network, email="again@example.org")
    make.referral(world.referrer, world.receiver, kind="professional", client=client)
    _, again = converted(make, world, client=make.client(world.network, email="Again@example.org"))
    assert _signals(again) == {"repeat_client"}


def test_two_members_trading_referrals_that_never_convert(make):
    world = professional_world(make)
    programme(world)
    for _ in range(3):
        make.referral(world.referrer, world.receiver, status=Status.DECLINED, kind="professional")
        make.referral(world.receiver, world.referrer, status=Status.SENT, kind="professional")
    _, traded = converted(make, world)
    assert _signals(traded) == {"trading"}


def _through_intake(make, world, link, *, confirmed: bool, address: str, browser="Chrome", at=None):
    at = at or utcnow()
    referral = make.referral(
        world.referrer, world.receiver, status=Status.ACCEPTED, kind="professional"
    )
    db.session.add_all(
        [
            LinkIntake(
                link_id=link.id,
                referral_id=referral.id,
                form_token=secrets.token_hex(16),
                confirm_nonce=secrets.token_hex(16),
                confirmed_at=at if confirmed else None,
                address_hash=address,
                browser_family=browser,
                created_at=at,
            ),
            LinkAttribution(referral_id=referral.id, link_id=link.id, touch=Touch.LAST, at=at),
        ]
    )
    db.session.flush()
    record_conversion(referral, ConversionKind.ACCEPTED, at)
    db.session.commit()
    return db.session.scalars(select(Reward).where(Reward.referral_id == referral.id)).all()


def test_unconfirmed_email_and_many_intakes_from_one_address(make):
    world = professional_world(make)
    programme(world, stage="accepted")
    link = create_link(None, world.receiver.id, owner_member_id=world.referrer.id)
    start = utcnow() - timedelta(minutes=30)
    assert _signals(
        _through_intake(make, world, link, confirmed=False, address="a" * 64, at=start)
    ) == {"unconfirmed_email"}
    second = _through_intake(
        make, world, link, confirmed=True, address="b" * 64, at=start + timedelta(minutes=1)
    )
    assert second[0].status == RewardStatus.PENDING
    for minute in (2, 3):
        burst = _through_intake(
            make,
            world,
            link,
            confirmed=True,
            address="b" * 64,
            at=start + timedelta(minutes=minute),
        )
    assert _signals(burst) == {"burst"}
    later = _through_intake(
        make, world, link, confirmed=True, address="b" * 64, at=start + timedelta(hours=3)
    )
    assert later[0].status == RewardStatus.PENDING


def test_the_review_queue_page_approves_and_rejects(make, login):
    world = professional_world(make)
    programme(world)
    _, (held,) = converted(make, world, email="ann@harbour.example")
    _, (pending,) = converted(make, world)
    browser = login(world.coordinator)
    page = browser.get("/rewards/review").get_data(as_text=True)
    assert "link owner" in page and f"#{held.id}" in page and f"#{pending.id}" in page
    assert page.index(f"#{held.id}") < page.index(f"#{pending.id}")  # held first
    assert (
        browser.post(f"/rewards/{held.id}/reject", data={"note": "Self-referral"}).status_code
        == 302
    )
    assert browser.post(f"/rewards/{pending.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Reward, held.id).status == RewardStatus.REJECTED
    assert db.session.get(Reward, pending.id).status == RewardStatus.APPROVED
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity == "reward", AuditLog.user_id == world.coordinator.id
        )
    ).all()
    assert sorted(actions) == ["approve", "reject"]


def test_another_networks_coordinator_gets_nothing(make, login):
    world = professional_world(make)
    programme(world)
    _, (reward,) = converted(make, world)
    other = make.network(kind="professional")
    outsider = login(make.user(Role.COORDINATOR, networks=[other]))
    assert f"#{reward.id}" not in outsider.get("/rewards/review").get_data(as_text=True)
    assert outsider.post(f"/rewards/{reward.id}/approve").status_code == 404
    assert outsider.get(f"/rewards/payouts/{world.network.id}").status_code == 403
    assert outsider.get(f"/rewards/programmes/{reward.programme_id}/report").status_code == 403
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).status == RewardStatus.PENDING
