"""Demo data: each demo network runs one programme, so that rewards, the review queue and
the leaderboard can be tried at once — thanks on a clinical network, points on a
professional one (monetary rewards stay off, the default)."""

from __future__ import annotations

from app.demo.cast import NetworkCast
from app.extensions import db
from app.models import Network
from app.rewards.programmes import ProgrammeInput, set_up_programme


def add_demo_programmes(casts: list[NetworkCast]) -> int:
    for cast in casts:
        network = db.session.get(Network, cast.network_id)
        if network.is_clinical:
            given = ProgrammeInput(
                name="Thank you for your referrals",
                network_id=network.id,
                reward_kind="thanks",
                description="Our thanks, shown to the member who referred.",
            )
        else:
            given = ProgrammeInput(
                name="Referral points",
                network_id=network.id,
                reward_kind="points",
                amount="100",
                tier_from=5,
                tier_amount="150",
                leaderboard=True,
            )
        set_up_programme(None, given)
    return len(casts)
