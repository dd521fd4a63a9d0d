"""One member's side of the network: what it exchanged with each partner, and its balance
month by month. Both read the indexes on sender_id and receiver_id (a few hundred rows)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from app.extensions import db
from app.models import Referral, ReferralKind
from app.reports.pairs import member_names
from app.reports.sql import sent_month


@dataclass
class Partner:
    member_id: int
    member_name: str
    you_sent: int  # referrals the member sent this partner
    they_sent: int  # referrals this partner sent the member

    @property
    def balance(self) -> int:
        return self.you_sent - self.they_sent

    def as_row(self) -> dict:
        return {
            "partner_id": self.member_id,
            "partner_name": self.member_name,
            "you_sent": self.you_sent,
            "they_sent": self.they_sent,
            "balance": self.balance,
        }


@dataclass
class BalanceMonth:
    month: str
    given: int
    received: int
    balance_to_date: int  # Σ (given - received) of the months so far

    def as_row(self) -> dict:
        return {
            "month": self.month,
            "given": self.given,
            "received": self.received,
            "balance_to_date": self.balance_to_date,
        }


def _condition(member_id: int, start, end, kind: ReferralKind | None):
    condition = or_(Referral.sender_id == member_id, Referral.receiver_id == member_id)
    # Between members only: a client of the member's own link was given by no one.
    condition = and_(condition, Referral.sender_id.is_not(None))
    if start is not None:
        condition = and_(condition, Referral.sent_at >= start)
    if end is not None:
        condition = and_(condition, Referral.sent_at < end)
    if kind is not None:
        condition = and_(condition, Referral.kind == kind)
    return condition


def partners(member_id: int, start=None, end=None, kind=None) -> list[Partner]:
    """Each member this one exchanged referrals with, most exchanged first."""
    partner = case(
        (Referral.sender_id == member_id, Referral.receiver_id), else_=Referral.sender_id
    ).label("partner")
    you_sent = func.count().filter(Referral.sender_id == member_id)
    they_sent = func.count().filter(Referral.receiver_id == member_id)
    rows = db.session.execute(
        select(partner, you_sent, they_sent)
        .where(_condition(member_id, start, end, kind))
        .group_by(partner)
    ).all()
    names = member_names(r[0] for r in rows)
    found = [Partner(p, names[p], y, t) for p, y, t in rows]
    return sorted(found, key=lambda p: (-(p.you_sent + p.they_sent), p.member_name, p.member_id))


def balance_by_month(member_id: int, start=None, end=None, kind=None) -> list[BalanceMonth]:
    month = sent_month().label("month")
    rows = db.session.execute(
        select(
            month,
            func.count().filter(Referral.sender_id == member_id),
            func.count().filter(Referral.receiver_id == member_id),
        )
        .where(_condition(member_id, start, end, kind))
        .group_by(month)
        .order_by(month)
    ).all()
    months, running = [], 0
    for m, given, received in rows:
        running += given - received
        months.append(BalanceMonth(m, given, received, running))
    return months


def totals(member_id: int) -> tuple[int, int]:
    """(given, received) all time: the member page's tiles."""
    given, received = db.session.execute(
        select(
            func.count().filter(Referral.sender_id == member_id),
            func.count().filter(Referral.receiver_id == member_id),
        ).where(_condition(member_id, None, None, None))
    ).one()
    return given, received
