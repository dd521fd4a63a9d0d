"""Rewards earned through links, for the "My links" page: per link and in all, by status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import Reward, RewardStatus

SHOWN = {
    "pending": (RewardStatus.PENDING, RewardStatus.HELD),
    "approved": (RewardStatus.APPROVED,),
    "paid": (RewardStatus.PAID, RewardStatus.REDEEMED),
}


@dataclass
class Tally:
    count: int = 0
    amount: Decimal = Decimal("0")


@dataclass
class LinkRewards:
    by_link: dict[int, dict[str, Tally]] = field(default_factory=dict)
    total: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def of(self, link_id: int) -> dict[str, Tally]:
        return self.by_link.get(link_id, {})


def reward_figures(links) -> LinkRewards:
    """One GROUP BY for the page's links (remembered for the request)."""
    ids = tuple(sorted(link.id for link in links))
    cached = g.get("link_reward_figures")
    if cached is not None and cached[0] == ids:
        return cached[1]
    found = LinkRewards()
    if ids:
        rows = db.session.execute(
            select(Reward.link_id, Reward.status, func.count(), func.sum(Reward.amount))
            .where(Reward.link_id.in_(ids))
            .group_by(Reward.link_id, Reward.status)
        )
        for link_id, status, count, amount in rows:
            for shown, statuses in SHOWN.items():
                if status in statuses:
                    tally = found.by_link.setdefault(link_id, defaultdict(Tally))[shown]
                    tally.count += count
                    tally.amount += amount or 0
                    found.total[shown].count += count
                    found.total[shown].amount += amount or 0
    g.link_reward_figures = (ids, found)
    return found
