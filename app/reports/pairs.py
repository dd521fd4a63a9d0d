"""Who refers to whom: pairs of members with both directions, the matrix of the top members,
members who receive but never give, lapsed givers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Referral
from app.reports.scope import Scope
from app.reports.sql import greatest, least


@dataclass
class Pair:
    """Two members a < b (by id) and the referrals each sent the other."""

    a_id: int
    a_name: str
    b_id: int
    b_name: str
    a_to_b: int
    b_to_a: int

    @property
    def total(self) -> int:
        return self.a_to_b + self.b_to_a

    @property
    def balance(self) -> int:
        """What a gave b beyond what b gave a (negative: a owes b)."""
        return self.a_to_b - self.b_to_a

    def as_row(self) -> dict:
        return {
            "a_id": self.a_id,
            "a_name": self.a_name,
            "b_id": self.b_id,
            "b_name": self.b_name,
            "a_to_b": self.a_to_b,
            "b_to_a": self.b_to_a,
            "total": self.total,
            "balance": self.balance,
        }


def _pair_counts(scope: Scope):
    """SQL: one row per unordered pair (a < b) with the referrals each way."""
    a = least(Referral.sender_id, Referral.receiver_id)
    b = greatest(Referral.sender_id, Referral.receiver_id)
    return (
        select(
            a.label("a"),
            b.label("b"),
            func.count().filter(Referral.sender_id == a).label("a_to_b"),
            func.count().filter(Referral.sender_id == b).label("b_to_a"),
        )
        .where(scope.referrals())
        .group_by(a, b)
    )


def pair_summary(scope: Scope, limit: int = 20) -> tuple[list[Pair], int]:
    """In one pass over the pairs: the `limit` pairs that exchanged most referrals (ties:
    by ids), and the network's reciprocal referrals, Σ over pairs of 2·min(g(a→b), g(b→a))."""
    pairs = _pair_counts(scope).subquery()
    total = (pairs.c.a_to_b + pairs.c.b_to_a).label("total")
    matched = func.sum(2 * least(pairs.c.a_to_b, pairs.c.b_to_a)).over().label("matched")
    top = (
        select(pairs.c.a, pairs.c.b, pairs.c.a_to_b, pairs.c.b_to_a, matched)
        .order_by(total.desc(), pairs.c.a, pairs.c.b)
        .limit(limit)
    )
    rows = db.session.execute(top).all()
    names = member_names({r.a for r in rows} | {r.b for r in rows})
    found = [Pair(r.a, names[r.a], r.b, names[r.b], r.a_to_b, r.b_to_a) for r in rows]
    return found, int(rows[0].matched) if rows else 0


def top_pairs(scope: Scope, limit: int = 20) -> list[Pair]:
    return pair_summary(scope, limit)[0]


def reciprocal_referrals(scope: Scope) -> int:
    return pair_summary(scope, 1)[1]


def member_names(ids) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


@dataclass
class Matrix:
    """Referrals from each of the top members (rows) to each (columns)."""

    members: list[tuple[int, str]]
    counts: dict[tuple[int, int], int]

    @property
    def largest(self) -> int:
        return max(self.counts.values(), default=0)

    def cell(self, sender_id: int, receiver_id: int) -> int:
        return self.counts.get((sender_id, receiver_id), 0)

    def as_rows(self) -> list[dict]:
        return [
            {
                "sender_id": s,
                "sender_name": s_name,
                "receiver_id": r,
                "receiver_name": r_name,
                "referrals": self.cell(s, r),
            }
            for s, s_name in self.members
            for r, r_name in self.members
            if s != r
        ]


def matrix(scope: Scope, size: int = 12, activity: dict[int, int] | None = None) -> Matrix:
    """Among the `size` members with most referrals given plus received (ties: by id).
    `activity`: given plus received per member, when the caller has it already."""
    if activity is None:
        given = select(Referral.sender_id.label("m")).where(scope.referrals())
        received = select(Referral.receiver_id.label("m")).where(scope.referrals())
        both = given.union_all(received).subquery()
        activity = dict(db.session.execute(select(both.c.m, func.count()).group_by(both.c.m)).all())
    ranked = sorted((m for m, n in activity.items() if n), key=lambda m: (-activity[m], m))
    top = ranked[:size]
    names = member_names(top)
    counts = {}
    if top:
        query = (
            select(Referral.sender_id, Referral.receiver_id, func.count())
            .where(scope.referrals(), Referral.sender_id.in_(top), Referral.receiver_id.in_(top))
            .group_by(Referral.sender_id, Referral.receiver_id)
        )
        counts = {(s, r): n for s, r, n in db.session.execute(query)}
    return Matrix([(m, names[m]) for m in top], counts)


def givers(scope: Scope) -> dict[int, int]:
    query = (
        select(Referral.sender_id, func.count())
        .where(scope.referrals())
        .group_by(Referral.sender_id)
    )
    return dict(db.session.execute(query).all())
