"""Shared set-up of the reward tests: a professional network that allows money, members, a
coordinator, and a programme made through the service."""

from __future__ import annotations

from types import SimpleNamespace

from app.extensions import db
from app.links.service import create_link
from app.models import Role, Status
from app.rewards.programmes import ProgrammeInput, set_up_programme
from app.rewards.service import Source, reward_conversion


def professional_world(make, *, monetary: bool = True) -> SimpleNamespace:
    network = make.network(kind="professional", monetary_rewards_allowed=monetary)
    referrer = make.member(network, name="Harbour Accountants", email="desk@harbour.example")
    receiver = make.member(network, name="Quay Law", email="office@quay.example")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    return SimpleNamespace(
        network=network,
        referrer=referrer,
        receiver=receiver,
        coordinator=coordinator,
        referrer_user=make.practitioner(referrer, email="ann@harbour.example"),
        receiver_user=make.practitioner(receiver, email="bo@quay.example"),
    )


def programme(world, **values):
    given = {
        "name": "Bring a client",
        "network_id": world.network.id,
        "reward_kind": "fixed",
        "amount": "50.00",
        "stage": "closed",
    } | values
    made = set_up_programme(world.coordinator, ProgrammeInput(**given))
    db.session.commit()
    return made


def link(world, **kw):
    made = create_link(None, world.receiver.id, owner_member_id=world.referrer.id, **kw)
    db.session.commit()
    return made


def converted(make, world, *, link_id: int | None = None, client=None, stage="closed", **kw):
    """A closed professional referral referrer → receiver through a link of the referrer
    (a new one unless `link_id`); the rewards it earned."""
    link_id = link_id or link(world).id
    client = client or make.client(world.network, email=kw.pop("email", None))
    referral = make.referral(
        world.referrer,
        world.receiver,
        status=kw.pop("status", Status.CLOSED),
        kind="professional",
        client=client,
        **kw,
    )
    source = Source(link_id=link_id, owner_member_id=world.referrer.id)
    rewards = reward_conversion(referral, stage, source)
    db.session.commit()
    return referral, rewards
