"""Programmes: compliance at the service and in the database, monetary switch, access."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Programme, Reward, Role
from app.refusals import Forbidden, Invalid
from app.rewards.programmes import (
    CLINICAL_REFUSAL,
    MONETARY_REFUSAL,
    ProgrammeInput,
    attribution_rule,
    set_up_programme,
)
from tests.rewards_setup import converted, link, professional_world, programme


def _clinical(make):
    network = make.network(kind="clinical")
    return network, make.user(Role.COORDINATOR, networks=[network])


@pytest.mark.parametrize(
    "values",
    [
        {"reward_kind": "fixed", "amount": "50"},
        {"reward_kind": "credit", "amount": "10"},
        {"reward_kind": "discount", "amount": "10"},
        {"reward_kind": "points", "amount": "100"},
        {"reward_kind": "service", "description": "A free consultation"},
        {"reward_kind": "thanks", "cap_count": 3, "cap_period": "month"},
        {"reward_kind": "thanks", "leaderboard": True},
    ],
)
def test_a_clinical_programme_with_value_or_volume_is_refused(make, values):
    network, coordinator = _clinical(make)
    given = ProgrammeInput(name="Thank you", network_id=network.id, **values)
    with pytest.raises(Invalid) as refused:
        set_up_programme(coordinator, given)
    messages = " ".join(refused.value.fields.values())
    assert "clinical" in messages.lower()
    assert db.session.query(Programme).count() == 0


def test_a_mixed_network_counts_as_clinical(make):
    network = make.network(kind="mixed", monetary_rewards_allowed=True)
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    given = ProgrammeInput(name="Cash", network_id=network.id, reward_kind="fixed", amount="5")
    with pytest.raises(Invalid) as refused:
        set_up_programme(coordinator, given)
    assert refused.value.fields["reward_kind"] == CLINICAL_REFUSAL


def test_a_clinical_network_may_say_thanks(make):
    network, coordinator = _clinical(make)
    made = set_up_programme(
        coordinator, ProgrammeInput(name="Thank you", network_id=network.id, reward_kind="thanks")
    )
    db.session.commit()
    assert made.clinical is True and made.amount is None


def _row(network_id, **values):
    return {
        "network_id": network_id,
        "name": "Raw",
        "clinical": True,
        "rewarded": "referrer",
        "reward_kind": "thanks",
        "stage": "closed",
        "reverse_within_days": 30,
        "auto_approve": False,
        "attribution": "last",
        "window_days": 30,
        "leaderboard": False,
        "active": True,
        "created_at": db.func.now(),
    } | values


@pytest.mark.parametrize(
    "values",
    [
        {"reward_kind": "fixed", "amount": 50},
        {"reward_kind": "points", "amount": 10},
        {"reward_kind": "service", "description": "A free scan"},
        {"cap_count": 5, "cap_period": "month"},
        {"variant_b_kind": "thanks"},
        {"leaderboard": True},
    ],
)
def test_the_database_refuses_a_clinical_programme_with_value_or_volume(make, values):
    network, _ = _clinical(make)
    with pytest.raises(IntegrityError) as refused:
        db.session.execute(insert(Programme.__table__).values(**_row(network.id, **values)))
        db.session.flush()
    db.session.rollback()
    assert "clinical_thanks_only" in str(refused.value)
    db.session.execute(insert(Programme.__table__).values(**_row(network.id)))  # thanks: fine
    db.session.commit()


def test_the_database_refuses_a_clinical_reward_with_an_amount(make):
    world = professional_world(make)
    made = programme(world)
    referral, _ = converted(make, world)
    row = {
        "programme_id": made.id,
        "network_id": world.network.id,
        "clinical": True,
        "referral_id": referral.id,
        "earner_role": "client",
        "earner_client_id": referral.client_id,
        "stage": "closed",
        "variant": "A",
        "kind": "fixed",
        "amount": 10,
        "status": "pending",
        "created_at": db.func.now(),
    }
    with pytest.raises(IntegrityError) as refused:
        db.session.execute(insert(Reward.__table__).values(**row))
        db.session.flush()
    db.session.rollback()
    assert "clinical_thanks_only" in str(refused.value)


def test_a_professional_network_allows_no_money_until_its_coordinators_say_so(make):
    world = professional_world(make, monetary=False)
    with pytest.raises(Invalid) as refused:
        programme(world, reward_kind="credit", amount="20")
    assert refused.value.fields["reward_kind"] == MONETARY_REFUSAL
    points = programme(world, reward_kind="points", amount="100")
    assert points.clinical is False
    world.network.monetary_rewards_allowed = True
    db.session.commit()
    assert programme(world, reward_kind="credit", amount="20").amount == 20


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"reward_kind": "discount", "amount": "150"}, "amount"),
        ({"reward_kind": "gold"}, "reward_kind"),
        ({"stage": "paid"}, "stage"),
        ({"tier_from": 3}, "tier_amount"),
        ({"cap_count": 2}, "cap_period"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": "x"}, "window_days"),
        ({"name": "  "}, "name"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_wrong_values_are_named(make, values, field):
    world = professional_world(make)
    with pytest.raises(Invalid) as refused:
        programme(world, **values)
    assert field in refused.value.fields


def test_a_practitioner_runs_its_own_members_programme_only(make):
    world = professional_world(make)
    own = set_up_programme(
        world.receiver_user,
        ProgrammeInput(name="Mine", reward_kind="fixed", amount="10"),
    )
    assert own.owner_member_id == world.receiver.id
    given = ProgrammeInput(
        name="Theirs", owner_member_id=world.referrer.id, reward_kind="fixed", amount="10"
    )
    with pytest.raises(Forbidden):
        set_up_programme(world.receiver_user, given)
    other = make.network(kind="professional", monetary_rewards_allowed=True)
    outsider = make.user(Role.COORDINATOR, networks=[other])
    with pytest.raises(Forbidden):
        set_up_programme(
            outsider,
            ProgrammeInput(name="X", network_id=world.network.id, reward_kind="fixed", amount="10"),
        )


def test_attribution_rule_prefers_the_members_programme(make):
    world = professional_world(make)
    existing = link(world)
    assert attribution_rule(world.network.id, world.receiver.id) == ("last", 30)
    programme(world, attribution="first", window_days=60)
    assert attribution_rule(world.network.id, world.receiver.id) == ("first", 60)
    db.session.refresh(existing)
    assert (existing.touch.value, existing.window_days) == ("first", 60)
    set_up_programme(
        world.receiver_user,
        ProgrammeInput(
            name="Mine", reward_kind="fixed", amount="10", attribution="last", window_days=7
        ),
    )
    assert attribution_rule(world.network.id, world.receiver.id) == ("last", 7)
