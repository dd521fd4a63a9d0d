"""Earning and reversing rewards: what a conversion of a link's referral gives, once.

`reward_conversion` is called from one place, where a conversion is recorded (app/links);
`reverse_for_cancelled` when a referral is cancelled. Approval, payment and review are in
app/rewards/review.py and app/rewards/payouts.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.audit.service import record
from app.extensions import db
from app.models import Programme, Referral, Reward, RewardStatus, utcnow
from app.models.programme import CapPeriod, ConversionStage, Rewarded
from app.models.reward import EarnerRole
from app.rewards import fraud
from app.rewards.programmes import programmes_for, tier_amount_for

# Rewards that count towards tiers and caps: all but those that came to nothing.
COUNTED = (
    RewardStatus.PENDING,
    RewardStatus.HELD,
    RewardStatus.APPROVED,
    RewardStatus.PAID,
    RewardStatus.REDEEMED,
    RewardStatus.EXPIRED,
)
REVERSIBLE = (RewardStatus.PENDING, RewardStatus.HELD, RewardStatus.APPROVED)


@dataclass(frozen=True)
class Source:
    """Where a referral came from: the link and its owner (a member or a client)."""

    link_id: int | None
    owner_member_id: int | None = None
    owner_client_id: int | None = None
    intake: object = None  # app/rewards/intake_facts.py IntakeFacts, when there was one


@dataclass(frozen=True)
class Earner:
    role: EarnerRole
    member_id: int | None = None
    client_id: int | None = None

    def owns(self, query):
        if self.member_id is not None:
            return query.where(Reward.earner_member_id == self.member_id)
        return query.where(Reward.earner_client_id == self.client_id)


def period_start(period: CapPeriod, now: datetime) -> datetime | None:
    """The first moment of the cap's current period (UTC); None for ever."""
    day = now.astimezone(UTC).date()
    if period == CapPeriod.MONTH:
        first = day.replace(day=1)
    elif period == CapPeriod.QUARTER:
        first = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    elif period == CapPeriod.YEAR:
        first = day.replace(month=1, day=1)
    else:
        return None
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def _earned(programme: Programme, earner: Earner, since: datetime | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Reward)
        .where(Reward.programme_id == programme.id, Reward.status.in_(COUNTED))
    )
    if since is not None:
        query = query.where(Reward.created_at >= since)
    return db.session.scalar(earner.owns(query))


def _earners(programme: Programme, referral: Referral, source: Source) -> list[Earner]:
    earners = []
    if programme.rewarded in (Rewarded.REFERRER, Rewarded.BOTH):
        if source.owner_member_id is not None:
            earners.append(Earner(EarnerRole.REFERRER, member_id=source.owner_member_id))
        elif source.owner_client_id is not None:
            earners.append(Earner(EarnerRole.REFERRER, client_id=source.owner_client_id))
    if programme.rewarded in (Rewarded.CLIENT, Rewarded.BOTH):
        earners.append(Earner(EarnerRole.CLIENT, client_id=referral.client_id))
    return earners


def variant_for(programme: Programme, link_id: int | None) -> str:
    """A/B split across links: a link with an odd id gives variant B."""
    return "B" if programme.has_variants and link_id is not None and link_id % 2 == 1 else "A"


def reward_conversion(
    referral: Referral, stage: str, source: Source, *, now: datetime | None = None
) -> list[Reward]:
    """The rewards this conversion earns under every active programme it counts for; a
    conversion seen again, or past a cap, earns nothing more. Rewards with a fraud signal
    are held for review; others are pending, or approved at once when the programme says."""
    from app.rewards.review import approve_now

    if source.link_id is None and source.owner_member_id is None and source.owner_client_id is None:
        return []
    now = now or utcnow()
    stage = ConversionStage(stage)
    made = []
    flags = None
    for programme in programmes_for(referral.network_id, referral.receiver_id, stage):
        for earner in _earners(programme, referral, source):
            if _exists(programme, referral, earner):
                continue
            if programme.cap_count is not None:
                since = period_start(programme.cap_period, now)
                if _earned(programme, earner, since) >= programme.cap_count:
                    continue
            if flags is None:
                flags = fraud.signals(
                    referral,
                    owner_member_id=source.owner_member_id,
                    owner_client_id=source.owner_client_id,
                    intake=source.intake,
                )
            reward = _new_reward(programme, referral, source, earner, stage, now)
            if flags:
                reward.status = RewardStatus.HELD
                reward.flags = flags
            db.session.add(reward)
            db.session.flush()
            record("earn", "reward", reward.id, detail=f"referral={referral.id}")
            if not flags and programme.auto_approve:
                approve_now(reward, None, now)
            made.append(reward)
    return made


def _exists(programme: Programme, referral: Referral, earner: Earner) -> bool:
    return (
        db.session.scalar(
            select(Reward.id).where(
                Reward.programme_id == programme.id,
                Reward.referral_id == referral.id,
                Reward.earner_role == earner.role,
            )
        )
        is not None
    )


def _new_reward(programme, referral, source, earner, stage, now) -> Reward:
    variant = variant_for(programme, source.link_id)
    if variant == "B":
        kind, amount = programme.variant_b_kind, programme.variant_b_amount
    else:
        nth = _earned(programme, earner) + 1
        kind, amount = programme.reward_kind, tier_amount_for(programme, nth, programme.amount)
    return Reward(
        programme_id=programme.id,
        network_id=programme.network_id,
        clinical=programme.clinical,
        referral_id=referral.id,
        link_id=source.link_id,
        earner_role=earner.role,
        earner_member_id=earner.member_id,
        earner_client_id=earner.client_id,
        stage=stage,
        variant=variant,
        kind=kind,
        amount=amount,
        description=programme.description,
        status=RewardStatus.PENDING,
        created_at=now,
    )


def reverse_for_cancelled(referral: Referral, *, now: datetime | None = None) -> list[Reward]:
    """A referral cancelled within its programme's reversal window takes back the rewards
    it earned that are not yet paid or redeemed."""
    now = now or utcnow()
    rewards = db.session.scalars(
        select(Reward).where(Reward.referral_id == referral.id, Reward.status.in_(REVERSIBLE))
    ).all()
    reversed_ = []
    for reward in rewards:
        window = timedelta(days=reward.programme.reverse_within_days)
        if now - reward.created_at > window:
            continue
        reward.status = RewardStatus.REVERSED
        reward.reversed_at = now
        reward.status_note = f"Referral #{referral.id} was cancelled."
        record("reverse", "reward", reward.id, detail="referral cancelled")
        reversed_.append(reward)
    db.session.flush()
    return reversed_
