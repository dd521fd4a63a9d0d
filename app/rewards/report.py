"""The programme report: conversions, revenue attributed (professional networks), reward
cost, return on reward spend, top referrers, channels and seasonality; and the leaderboard.

SQL aggregates over the programme's rewards and the referrals they rewarded (one query per
figure group); the referrals a programme could have converted are those attributed to a
link of its scope (app/rewards/reach.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, distinct, func, select

from app.auth.policy import NO_ACCESS, ensure_manages_network
from app.extensions import db
from app.models import Client, Member, Programme, Referral, Reward, RewardStatus, Status, User
from app.models.programme import RewardKind
from app.refusals import NotFound
from app.reports.sql import dialect
from app.rewards.reach import channel_counts, reached_referrals

# What a reward costs the one who gives it: money paid or credited once approved.
COST_KINDS = (RewardKind.CREDIT, RewardKind.FIXED)
SPENT = (RewardStatus.APPROVED, RewardStatus.PAID, RewardStatus.REDEEMED)
EARNED = (*SPENT, RewardStatus.PENDING, RewardStatus.HELD, RewardStatus.EXPIRED)


@dataclass
class ProgrammeReport:
    programme: Programme
    reached: int = 0  # referrals attributed to links of the programme's scope
    converted: int = 0  # of those, the ones that reached the programme's stage
    rewards: dict[str, int] = field(default_factory=dict)
    revenue: Decimal | None = None
    cost: Decimal = Decimal("0")
    referrers: list[dict] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.reached if self.reached else None

    @property
    def return_on_spend(self) -> float | None:
        if self.revenue is None or not self.cost:
            return None
        return float(self.revenue / self.cost)

    def summary_rows(self) -> list[dict]:
        return [
            {"figure": "referrals_reached", "value": self.reached},
            {"figure": "converted", "value": self.converted},
            {"figure": "conversion_rate", "value": self.conversion_rate},
            {"figure": "revenue_attributed", "value": self.revenue},
            {"figure": "reward_cost", "value": self.cost},
            {"figure": "return_on_reward_spend", "value": self.return_on_spend},
            *({"figure": f"rewards_{k}", "value": v} for k, v in self.rewards.items()),
        ]


STAGE_REACHED = {
    "lead": None,  # every reached referral was a confirmed lead
    "accepted": (Status.ACCEPTED, Status.SCHEDULED, Status.VISITED, Status.CLOSED),
    "visited": (Status.VISITED, Status.CLOSED),
    "closed": (Status.CLOSED,),
}


def _month(column):
    if dialect() == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def report_programme(actor: User | None, programme_id: int) -> ProgrammeReport:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(NO_ACCESS)
    ensure_manages_network(actor, programme.network_id)
    report = ProgrammeReport(programme)
    reached = reached_referrals(programme).subquery()
    statuses = STAGE_REACHED[programme.stage.value]
    converted = (
        func.count() if statuses is None else func.count().filter(Referral.status.in_(statuses))
    )
    revenue = func.sum(Referral.business_value).filter(Referral.status == Status.CLOSED)
    row = db.session.execute(
        select(func.count(), converted, revenue)
        .select_from(Referral)
        .where(Referral.id.in_(select(reached.c.id)))
    ).one()
    report.reached, report.converted = row[0], row[1]
    report.revenue = None if programme.clinical else (row[2] or Decimal("0"))
    of_programme = Reward.programme_id == programme.id
    report.rewards = {
        status.value: n
        for status, n in db.session.execute(
            select(Reward.status, func.count()).where(of_programme).group_by(Reward.status)
        )
    }
    report.cost = db.session.scalar(
        select(func.coalesce(func.sum(Reward.amount), 0)).where(
            of_programme, Reward.status.in_(SPENT), Reward.kind.in_(COST_KINDS)
        )
    ) or Decimal("0")
    report.referrers = top_referrers(programme)
    report.channels = channel_counts(programme)
    month = _month(Reward.created_at)
    report.months = [
        {"month": m, "rewards": n, "amount": amount or Decimal("0")}
        for m, n, amount in db.session.execute(
            select(month, func.count(), func.sum(Reward.amount))
            .where(of_programme, Reward.status.in_(EARNED))
            .group_by(month)
            .order_by(month)
        )
    ]
    return report


def top_referrers(programme: Programme, limit: int = 10) -> list[dict]:
    """Referrers by rewards earned (not rejected or reversed), most first."""
    name = func.coalesce(Member.name, Client.given_name + " " + Client.family_name)
    spent = func.sum(case((Reward.status.in_(SPENT), Reward.amount), else_=0))
    rows = db.session.execute(
        select(
            name.label("name"),
            func.count(distinct(Reward.referral_id)),
            func.coalesce(spent, 0),
        )
        .select_from(Reward)
        .outerjoin(Member, Member.id == Reward.earner_member_id)
        .outerjoin(Client, Client.id == Reward.earner_client_id)
        .where(
            Reward.programme_id == programme.id,
            Reward.earner_role == "referrer",
            Reward.status.in_(EARNED),
        )
        .group_by(Reward.earner_member_id, Reward.earner_client_id, name)
        .order_by(func.count(distinct(Reward.referral_id)).desc(), name)
        .limit(limit)
    ).all()
    return [{"referrer": r[0], "conversions": r[1], "rewarded": r[2]} for r in rows]


def leaderboard(actor: User, programme_id: int) -> tuple[Programme, list[dict]]:
    """The programme's member referrers ranked by conversions, for the network's users
    when the programme shows a leaderboard (never clients' names)."""
    programme = db.session.get(Programme, programme_id)
    visible = programme is not None and (
        actor.role.value == "admin" or programme.network_id in actor.network_ids
    )
    if not visible or not programme.leaderboard:
        raise NotFound(NO_ACCESS)
    rows = db.session.execute(
        select(Member.name, func.count(distinct(Reward.referral_id)))
        .join(Member, Member.id == Reward.earner_member_id)
        .where(Reward.programme_id == programme.id, Reward.status.in_(EARNED))
        .group_by(Member.id, Member.name)
        .order_by(func.count(distinct(Reward.referral_id)).desc(), Member.name)
        .limit(20)
    ).all()
    return programme, [
        {"rank": i, "member": n, "conversions": c} for i, (n, c) in enumerate(rows, 1)
    ]
