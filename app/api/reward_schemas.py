"""What the programmes and rewards API reads and returns (app/api/rewards.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.inputs import Amount, Body, checked
from app.api.schemas import Id, Moment, Money, one_of
from app.models import RewardStatus
from app.models.programme import CapPeriod, ConversionStage, Rewarded, RewardKind, Touch
from app.models.reward import EarnerRole

KINDS = [k.value for k in RewardKind]


class NewProgramme(Body):
    required_by_service = ("name", "reward_kind")

    name: str | None = checked(maxLength=120)
    network_id: int | None = checked("Coordinators: the network (a network-wide programme).")
    owner_member_id: int | None = checked(
        "The member that runs it; optional when a practitioner acts for one member."
    )
    rewarded: str | None = checked(enum=[r.value for r in Rewarded])
    reward_kind: str | None = checked(
        "Clinical (and mixed) networks: thanks only. Professional networks: credit, discount, "
        "fixed and service only when the network allows monetary rewards.",
        enum=KINDS,
    )
    amount: Amount | None = checked("credit, fixed: money; discount: a percentage; points.")
    description: str | None = checked("Required for a service.", maxLength=500)
    stage: str | None = checked(enum=[s.value for s in ConversionStage])
    tier_from: int | None = checked("From this rewarded conversion of a referrer on…", minimum=2)
    tier_amount: Amount | None = checked("…this amount instead.")
    cap_count: int | None = checked("At most this many rewards per referrer and period.")
    cap_period: str | None = checked(enum=[p.value for p in CapPeriod])
    credit_expires_days: int | None = checked(minimum=1, maximum=3650)
    reverse_within_days: int | None = checked(minimum=0, maximum=365)
    auto_approve: bool | None = checked()
    variant_b_kind: str | None = checked("A/B: links with an odd id give variant B.", enum=KINDS)
    variant_b_amount: Amount | None = checked()
    attribution: str | None = checked(enum=[t.value for t in Touch])
    window_days: int | None = checked(minimum=1, maximum=365)
    leaderboard: bool | None = checked()


class Programme(BaseModel):
    id: Id
    network_id: Id
    owner_member_id: Id | None
    name: str
    clinical: bool
    rewarded: one_of(Rewarded)
    reward_kind: one_of(RewardKind)
    amount: Money | None
    description: str | None
    stage: one_of(ConversionStage)
    tier_from: int | None
    tier_amount: Money | None
    cap_count: int | None
    cap_period: one_of(CapPeriod) | None
    credit_expires_days: int | None
    reverse_within_days: int
    auto_approve: bool
    variant_b_kind: one_of(RewardKind) | None
    variant_b_amount: Money | None
    attribution: one_of(Touch)
    window_days: int
    leaderboard: bool
    active: bool
    created_at: Moment


class ProgrammeList(BaseModel):
    items: list[Programme]


class Flag(BaseModel):
    signal: str
    reason: str


class Reward(BaseModel):
    id: Id
    programme_id: Id
    network_id: Id
    referral_id: Id
    link_id: Id | None
    earner_role: one_of(EarnerRole)
    earner_member_id: Id | None
    earner_client_id: Id | None
    stage: one_of(ConversionStage)
    variant: str
    kind: one_of(RewardKind)
    amount: Money | None
    status: one_of(RewardStatus)
    flags: list[Flag] | None = Field(None, description="The fraud signals that held it.")
    status_note: str | None
    created_at: Moment
    approved_at: Moment | None
    expires_at: Moment | None
    paid_at: Moment | None
    payout_batch: str | None
    reversed_at: Moment | None


class RewardList(BaseModel):
    items: list[Reward]


class RewardQuery(BaseModel):
    status: one_of(RewardStatus) | None = Field(None, description="Only rewards in this status.")
    network_id: int | None = Field(None, ge=1, description="Only this network's rewards.")


class ProgrammeQuery(BaseModel):
    network_id: int | None = Field(None, ge=1, description="Only this network's programmes.")


class RewardAction(Body):
    note: str | None = checked("reverse (required), reject: why.", maxLength=1000)


def plain(model: type[BaseModel], row: Any) -> BaseModel:
    return model.model_validate(row, from_attributes=True)
