"""Payout batches: approved rewards paid once, as one CSV file a bookkeeper can import.

`pay_out` marks every approved, payable reward of a network paid under one new batch id and
returns its rows; running it again finds none of them (a reward is paid once). The rows of
an earlier batch can be read again (`batch_rows`) for the download. Expired credit is
expired first, so that nothing expired is paid.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.audit.service import record
from app.auth.policy import NO_ACCESS, ensure_manages_network
from app.extensions import db
from app.models import Network, Reward, RewardStatus, User, utcnow
from app.models.programme import RewardKind
from app.refusals import NotFound
from app.reports.export import as_csv
from app.rewards.review import expire_unused

PAYABLE_KINDS = (RewardKind.FIXED, RewardKind.CREDIT, RewardKind.POINTS)
COLUMNS = (
    "batch",
    "reward_id",
    "paid_at",
    "earner_role",
    "earner_type",
    "earner_id",
    "earner_name",
    "earner_email",
    "kind",
    "amount",
    "programme_id",
    "programme",
    "referral_id",
    "approved_at",
)


@dataclass(frozen=True)
class Payout:
    batch: str | None
    rows: list[dict]

    @property
    def csv(self) -> str:
        return as_csv(self.rows, COLUMNS)


def _row(reward: Reward) -> dict:
    member, client = reward.earner_member, reward.earner_client
    return {
        "batch": reward.payout_batch,
        "reward_id": reward.id,
        "paid_at": reward.paid_at.isoformat(timespec="seconds") if reward.paid_at else None,
        "earner_role": reward.earner_role.value,
        "earner_type": "member" if member is not None else "client",
        "earner_id": member.id if member is not None else client.id,
        "earner_name": reward.earner_name,
        "earner_email": member.email if member is not None else client.email,
        "kind": reward.kind.value,
        "amount": reward.amount,
        "programme_id": reward.programme_id,
        "programme": reward.programme.name,
        "referral_id": reward.referral_id,
        "approved_at": reward.approved_at.isoformat(timespec="seconds"),
    }


def pay_out(actor: User | None, network_id: int, *, now: datetime | None = None) -> Payout:
    """Mark the network's approved payable rewards paid in one new batch; its rows."""
    if db.session.get(Network, network_id) is None:
        raise NotFound(NO_ACCESS)
    ensure_manages_network(actor, network_id)
    now = now or utcnow()
    expire_unused(network_id, now=now)
    query = (
        select(Reward)
        .where(
            Reward.network_id == network_id,
            Reward.status == RewardStatus.APPROVED,
            Reward.kind.in_(PAYABLE_KINDS),
        )
        .order_by(Reward.id)
        # Two payouts at once: the second waits, then finds these paid (PostgreSQL).
        .with_for_update(of=Reward)
    )
    rewards = list(db.session.scalars(query))
    if not rewards:
        return Payout(None, [])
    batch = f"N{network_id}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    for reward in rewards:
        reward.status = RewardStatus.PAID
        reward.paid_at = now
        reward.payout_batch = batch
    db.session.flush()
    record("pay", "reward_batch", network_id, user=actor, detail=f"batch={batch} n={len(rewards)}")
    return Payout(batch, [_row(r) for r in rewards])


def batch_rows(actor: User | None, network_id: int, batch: str) -> Payout:
    ensure_manages_network(actor, network_id)
    rewards = db.session.scalars(
        select(Reward)
        .where(Reward.network_id == network_id, Reward.payout_batch == batch)
        .order_by(Reward.id)
    ).all()
    record("export", "reward_batch", network_id, user=actor, detail=f"batch={batch}")
    return Payout(batch, [_row(r) for r in rewards])


def batches(actor: User | None, network_id: int) -> list[tuple[str, datetime, int, object]]:
    """The network's payout batches, newest first: id, when, how many, total amount."""
    ensure_manages_network(actor, network_id)
    rows = db.session.execute(
        select(
            Reward.payout_batch,
            func.min(Reward.paid_at),
            func.count(),
            func.sum(Reward.amount),
        )
        .where(Reward.network_id == network_id, Reward.payout_batch.is_not(None))
        .group_by(Reward.payout_batch)
        .order_by(func.min(Reward.paid_at).desc())
    ).all()
    return [tuple(r) for r in rows]
