"""What coordinators do to rewards: approve, reject, reverse, mark redeemed; who sees which.

Approving tells whoever earned the reward (in-app and a queued e-mail); every change is
audited. Held rewards (a fraud signal fired) are approved or rejected here too: that is the
review queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select

from app import fields as f
from app.audit.service import record
from app.auth.policy import NO_ACCESS, manages_network
from app.extensions import db
from app.models import Programme, Reward, RewardStatus, Role, User, utcnow
from app.models.programme import RewardKind
from app.refusals import Forbidden, Invalid, NotFound
from app.rewards.notify import tell_earner

APPROVABLE = (RewardStatus.PENDING, RewardStatus.HELD)
REVERSIBLE = (RewardStatus.PENDING, RewardStatus.HELD, RewardStatus.APPROVED)
# Used by the earner rather than paid out: marked redeemed by whoever honours them.
REDEEMABLE_KINDS = (RewardKind.CREDIT, RewardKind.DISCOUNT, RewardKind.SERVICE, RewardKind.POINTS)
# Left unused, these expire when the programme says so.
EXPIRING_KINDS = REDEEMABLE_KINDS
ONLY_COORDINATORS = "Only the network's coordinators and admins can do this."


def visible_rewards(actor: User | None) -> Select:
    """A SELECT of the rewards this actor may see: its networks' (coordinators), those its
    members earned or give (practitioners), all (admins, refnet)."""
    query = select(Reward)
    if actor is None or actor.role == Role.ADMIN:
        return query
    if actor.role == Role.COORDINATOR:
        return query.where(Reward.network_id.in_(actor.coordinated_network_ids))
    ids = actor.member_ids
    given = select(Programme.id).where(Programme.owner_member_id.in_(ids))
    return query.where(or_(Reward.earner_member_id.in_(ids), Reward.programme_id.in_(given)))


def reward_for(actor: User | None, reward_id: int) -> Reward:
    reward = db.session.scalar(visible_rewards(actor).where(Reward.id == reward_id))
    if reward is None:
        raise NotFound(NO_ACCESS)
    return reward


def _ensure_coordinator(actor: User | None, reward: Reward) -> None:
    if not manages_network(actor, reward.network_id):
        raise Forbidden(ONLY_COORDINATORS)


def _refuse_status(reward: Reward, allowed, verb: str) -> None:
    if reward.status not in allowed:
        raise Invalid(f"A reward that is {reward.status.value} cannot be {verb}.")


def approve_now(reward: Reward, actor: User | None, now: datetime) -> Reward:
    reward.status = RewardStatus.APPROVED
    reward.approved_at = now
    reward.approved_by_id = actor.id if actor else None
    days = reward.programme.credit_expires_days
    if days is not None and reward.kind in EXPIRING_KINDS:
        reward.expires_at = now + timedelta(days=days)
    db.session.flush()
    record("approve", "reward", reward.id, user=actor)
    tell_earner(reward)
    return reward


def approve(actor: User | None, reward: Reward, *, now: datetime | None = None) -> Reward:
    _ensure_coordinator(actor, reward)
    _refuse_status(reward, APPROVABLE, "approved")
    return approve_now(reward, actor, now or utcnow())


def _note(values: dict | None, *, required: bool) -> str | None:
    problems = f.FieldProblems()
    note = f.text(
        problems,
        "note",
        (values or {}).get("note"),
        label="Reason",
        required=required,
        max_len=1000,
        multiline=True,
    )
    if problems:
        raise Invalid("Say why.", problems)
    return note


def reject(actor: User | None, reward: Reward, values: dict | None = None) -> Reward:
    _ensure_coordinator(actor, reward)
    _refuse_status(reward, APPROVABLE, "rejected")
    note = _note(values, required=False)
    reward.status = RewardStatus.REJECTED
    reward.status_note = note or "Rejected on review."
    db.session.flush()
    record("reject", "reward", reward.id, user=actor)
    return reward


def reverse(
    actor: User | None, reward: Reward, values: dict | None = None, *, now: datetime | None = None
) -> Reward:
    _ensure_coordinator(actor, reward)
    _refuse_status(reward, REVERSIBLE, "reversed")
    note = _note(values, required=True)
    reward.status = RewardStatus.REVERSED
    reward.reversed_at = now or utcnow()
    reward.status_note = note
    db.session.flush()
    record("reverse", "reward", reward.id, user=actor)
    return reward


def may_redeem(actor: User | None, reward: Reward) -> bool:
    """Whoever gives the reward (the programme's owner member) or a coordinator marks it used."""
    owner = reward.programme.owner_member_id
    return manages_network(actor, reward.network_id) or (
        owner is not None and actor.role == Role.PRACTITIONER and owner in actor.member_ids
    )


def to_redeem(actor: User) -> list[Reward]:
    """Approved credit, discounts, points and services that this actor may mark used (the
    rewards pages' Redeem buttons), oldest first."""
    query = visible_rewards(actor).where(
        Reward.status == RewardStatus.APPROVED, Reward.kind.in_(REDEEMABLE_KINDS)
    )
    rewards = db.session.scalars(query.order_by(Reward.created_at, Reward.id))
    return [r for r in rewards if may_redeem(actor, r)]


def redeem(actor: User | None, reward: Reward, *, now: datetime | None = None) -> Reward:
    """The earner used the credit, discount, points or service: the programme's owner or a
    coordinator says so."""
    if not may_redeem(actor, reward):
        raise Forbidden("Only whoever gives the reward, or a coordinator, can mark it used.")
    _refuse_status(reward, (RewardStatus.APPROVED,), "redeemed")
    if reward.kind not in REDEEMABLE_KINDS:
        raise Invalid("Only credit, a discount, points or a service are redeemed.")
    reward.status = RewardStatus.REDEEMED
    reward.redeemed_at = now or utcnow()
    db.session.flush()
    record("redeem", "reward", reward.id, user=actor)
    return reward


def expire_unused(network_id: int | None = None, *, now: datetime | None = None) -> int:
    """Approved rewards left unused past their expiry become expired; how many."""
    now = now or utcnow()
    query = select(Reward).where(
        Reward.status == RewardStatus.APPROVED,
        Reward.expires_at.is_not(None),
        Reward.expires_at <= now,
    )
    if network_id is not None:
        query = query.where(Reward.network_id == network_id)
    count = 0
    for reward in db.session.scalars(query):
        reward.status = RewardStatus.EXPIRED
        reward.status_note = "Left unused until it expired."
        record("expire", "reward", reward.id)
        count += 1
    db.session.flush()
    return count


def review_queue(actor: User, network_id: int | None = None) -> list[Reward]:
    """Held and pending rewards of the networks the actor manages, held ones first."""
    query = visible_rewards(actor).where(Reward.status.in_(APPROVABLE))
    if actor.role == Role.PRACTITIONER:
        raise Forbidden(ONLY_COORDINATORS)
    if network_id is not None:
        query = query.where(Reward.network_id == network_id)
    held_first = Reward.status != RewardStatus.HELD
    return list(db.session.scalars(query.order_by(held_first, Reward.created_at, Reward.id)))


def earned_by(actor: User, status: RewardStatus | None = None) -> list[Reward]:
    """The rewards the actor's members earned, newest first."""
    query = select(Reward).where(Reward.earner_member_id.in_(actor.member_ids))
    if status is not None:
        query = query.where(Reward.status == status)
    return list(db.session.scalars(query.order_by(Reward.created_at.desc(), Reward.id.desc())))
