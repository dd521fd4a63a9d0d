"""Earning rewards: once per conversion, tiers, caps, A/B, expiry, reversal, approval,
payouts and who may do what (frozen clocks where time matters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import (
    LinkAttribution,
    Notification,
    OutboxMessage,
    Reward,
    RewardStatus,
    Role,
    Status,
    Touch,
    utcnow,
)
from app.referrals.service import perform
from app.refusals import Forbidden, Invalid, NotFound
from app.rewards import review
from app.rewards.payouts import batch_rows, pay_out
from app.rewards.service import Source, reverse_for_cancelled, reward_conversion
from tests.rewards_setup import converted, link, professional_world, programme

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_conversion_earns_one_pending_reward_and_seen_again_nothing_more(make):
    world = professional_world(make)
    programme(world)
    referral, rewards = converted(make, world)
    assert [(r.status, r.amount, r.earner_member_id) for r in rewards] == [
        (RewardStatus.PENDING, Decimal("50.00"), world.referrer.id)
    ]
    source = Source(rewards[0].link_id, owner_member_id=world.referrer.id)
    again = reward_conversion(referral, "closed", source)
    assert again == []
    assert db.session.query(Reward).count() == 1


def test_both_earn_and_only_the_programmes_stage_counts(make):
    world = professional_world(make)
    programme(world, rewarded="both", stage="accepted")
    _, at_close = converted(make, world, stage="closed")
    assert at_close == []
    _, rewards = converted(make, world, stage="accepted")
    assert sorted(r.earner_role.value for r in rewards) == ["client", "referrer"]


def test_tiers_give_more_from_the_nth_conversion(make):
    world = professional_world(make)
    programme(world, amount="10", tier_from=3, tier_amount="25")
    amounts = [converted(make, world)[1][0].amount for _ in range(4)]
    assert amounts == [Decimal("10.00"), Decimal("10.00"), Decimal("25.00"), Decimal("25.00")]


def test_the_cap_per_referrer_and_month(make):
    world = professional_world(make)
    programme(world, cap_count=2, cap_period="month")
    with time_machine.travel(START, tick=False):
        earned = [len(converted(make, world)[1]) for _ in range(3)]
    assert earned == [1, 1, 0]
    with time_machine.travel(START + timedelta(days=31), tick=False):
        assert len(converted(make, world)[1]) == 1


def test_a_b_variants_split_across_links(make):
    world = professional_world(make)
    programme(world, amount="10", variant_b_kind="fixed", variant_b_amount="15")
    first, second = link(world), link(world)
    even, odd = (first, second) if first.id % 2 == 0 else (second, first)
    _, even = converted(make, world, link_id=even.id)
    _, odd = converted(make, world, link_id=odd.id)
    assert (even[0].variant, even[0].amount) == ("A", Decimal("10.00"))
    assert (odd[0].variant, odd[0].amount) == ("B", Decimal("15.00"))


def test_unused_credit_expires(make):
    world = professional_world(make)
    programme(world, reward_kind="credit", amount="20", credit_expires_days=10)
    with time_machine.travel(START, tick=False):
        _, (reward,) = converted(make, world)
        review.approve(world.coordinator, reward)
        db.session.commit()
    assert reward.expires_at == START + timedelta(days=10)
    with time_machine.travel(START + timedelta(days=9), tick=False):
        assert review.expire_unused(world.network.id) == 0
    with time_machine.travel(START + timedelta(days=10, seconds=1), tick=False):
        payout = pay_out(world.coordinator, world.network.id)
        db.session.commit()
    assert reward.status == RewardStatus.EXPIRED
    assert payout.rows == []


def test_a_cancelled_referral_reverses_its_rewards_within_the_window(make):
    world = professional_world(make)
    programme(world, stage="accepted", reverse_within_days=7)
    with time_machine.travel(START, tick=False):
        early, (early_reward,) = converted(make, world, stage="accepted", status=Status.ACCEPTED)
        late, (late_reward,) = converted(make, world, stage="accepted", status=Status.ACCEPTED)
    with time_machine.travel(START + timedelta(days=6), tick=False):
        assert reverse_for_cancelled(early) == [early_reward]
    with time_machine.travel(START + timedelta(days=8), tick=False):
        assert reverse_for_cancelled(late) == []
    db.session.commit()
    assert early_reward.status == RewardStatus.REVERSED
    assert early_reward.reversed_at == START + timedelta(days=6)
    assert late_reward.status == RewardStatus.PENDING


def test_approval_tells_the_earner_and_auto_approval(make):
    world = professional_world(make)
    programme(world, auto_approve=True)
    _, (reward,) = converted(make, world)
    assert reward.status == RewardStatus.APPROVED
    told = db.session.scalars(select(Notification).where(Notification.kind == "reward")).all()
    assert [n.user_id for n in told] == [world.referrer_user.id]
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to for m in mail] == ["ann@harbour.example"]
    assert "50.00" in mail[0].body


def test_payouts_pay_each_reward_once(make):
    world = professional_world(make)
    programme(world)
    rewards = [converted(make, world)[1][0] for _ in range(2)]
    for reward in rewards:
        review.approve(world.coordinator, reward)
    db.session.commit()
    first = pay_out(world.coordinator, world.network.id)
    db.session.commit()
    assert [row["reward_id"] for row in first.rows] == [r.id for r in rewards]
    assert first.csv.splitlines()[0].startswith("batch,reward_id,paid_at")
    assert "Harbour Accountants" in first.csv
    second = pay_out(world.coordinator, world.network.id)
    assert second.rows == [] and second.batch is None
    assert batch_rows(world.coordinator, world.network.id, first.batch).csv == first.csv
    with pytest.raises(Invalid):
        review.reverse(world.coordinator, rewards[0], {"note": "too late"})


def test_another_networks_coordinator_cannot_see_or_approve(make):
    world = professional_world(make)
    programme(world)
    _, (reward,) = converted(make, world)
    other = make.network(kind="professional")
    outsider = make.user(Role.COORDINATOR, networks=[other])
    with pytest.raises(NotFound):
        review.reward_for(outsider, reward.id)
    with pytest.raises(Forbidden):
        review.approve(outsider, reward)
    with pytest.raises(Forbidden):
        review.approve(world.referrer_user, reward)
    with pytest.raises(Forbidden):
        pay_out(outsider, world.network.id)
    assert review.reward_for(world.referrer_user, reward.id) is reward  # the earner sees it
    assert reward.status == RewardStatus.PENDING


def test_reject_and_reverse_need_the_right_status_and_a_reason(make):
    world = professional_world(make)
    programme(world)
    _, (one,) = converted(make, world)
    _, (two,) = converted(make, world)
    review.reject(world.coordinator, one, {"note": "Duplicate"})
    assert one.status == RewardStatus.REJECTED
    with pytest.raises(Invalid):
        review.approve(world.coordinator, one)
    with pytest.raises(Invalid) as refused:
        review.reverse(world.coordinator, two, {})
    assert "note" in refused.value.fields
    review.reverse(world.coordinator, two, {"note": "Client withdrew"})
    assert two.status == RewardStatus.REVERSED


def test_the_state_machine_earns_and_a_cancel_in_the_window_reverses(make):
    """Through perform and the links' conversion hook: accept earns, cancel reverses."""
    world = professional_world(make)
    programme(world, stage="accepted", reverse_within_days=7)
    shared = link(world)
    referral = make.referral(world.referrer, world.receiver, kind="professional")
    db.session.add(
        LinkAttribution(referral_id=referral.id, link_id=shared.id, touch=Touch.LAST, at=utcnow())
    )
    db.session.commit()
    with time_machine.travel(START, tick=False):
        perform(referral, "accept", world.receiver_user)
        db.session.commit()
    (reward,) = db.session.scalars(select(Reward)).all()
    assert (reward.status, reward.link_id, reward.earner_member_id) == (
        RewardStatus.PENDING,
        shared.id,
        world.referrer.id,
    )
    with time_machine.travel(START + timedelta(days=3), tick=False):
        perform(
            referral,
            "cancel",
            world.referrer_user,
            values={"reason_code": "other", "reason": "Moved away"},
        )
        db.session.commit()
    assert reward.status == RewardStatus.REVERSED
    assert reward.status_note == f"Referral #{referral.id} was cancelled."
