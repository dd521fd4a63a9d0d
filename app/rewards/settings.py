"""A network's reward settings: whether rewards worth money are allowed, and the
disclosure clients then read on the intake page. Clinical networks never allow money."""

from __future__ import annotations

from app import fields as f
from app.audit.service import record
from app.auth.policy import ensure_manages_network
from app.extensions import db
from app.models import Network, Programme, User
from app.models.programme import MONETARY_KINDS
from app.refusals import Invalid


def set_reward_settings(actor: User | None, network: Network, allowed: bool, disclosure) -> Network:
    ensure_manages_network(actor, network.id)
    problems = f.FieldProblems()
    text = f.text(
        problems,
        "reward_disclosure",
        disclosure,
        label="Disclosure",
        required=allowed,
        max_len=1000,
        multiline=True,
    )
    if allowed and network.is_clinical:
        problems["monetary_rewards_allowed"] = (
            "A clinical network never allows rewards worth money."
        )
    if problems:
        raise Invalid("The settings could not be saved. Check the fields.", problems)
    network.monetary_rewards_allowed = allowed
    network.reward_disclosure = text
    if not allowed:
        # Programmes that give money stop: nothing monetary is earned without the switch.
        for programme in db.session.scalars(
            db.select(Programme).where(
                Programme.network_id == network.id,
                Programme.active.is_(True),
                Programme.reward_kind.in_(MONETARY_KINDS)
                | Programme.variant_b_kind.in_(MONETARY_KINDS),
            )
        ):
            programme.active = False
    db.session.flush()
    record("update", "network_rewards", network.id, user=actor, detail=f"monetary={allowed}")
    return network
