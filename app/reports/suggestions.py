"""Whom to send a client to: accepting members of a specialty, ranked by a documented score
(docs/reports.md, "Suggestions"), each with the reasons of its score; and, after a decline or
an expiry, three alternatives nearest first.

The facts are read for the candidates only (members of the sender's network with the
specialty, active and accepting, never the sender): the pair counts with the sender over the
last 12 months, referrals received in the last 7 days against the stated weekly capacity,
and how each answered its referrals of the last 12 months (acceptance rate, median hours
from sent to accepted). Distances are great-circle kilometres between the members'
coordinates, when both have them.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models import Member, Referral, Specialty

WINDOW = timedelta(days=365)
WEEK = timedelta(days=7)
MIN_ANSWERED = 3  # the acceptance rate and the answer time count from this many answers


@dataclass
class Facts:
    """What the score reads of one candidate, as seen by one sender."""

    they_sent: int = 0  # the candidate sent the sender, last 12 months
    you_sent: int = 0  # the sender sent the candidate, last 12 months
    capacity: int | None = None  # new referrals a week (None: not stated)
    this_week: int = 0  # referrals it received in the last 7 days
    answered: int = 0  # referrals of the last 12 months it accepted or declined
    accepted: int = 0
    accept_hours: float | None = None  # median hours from sent to accepted
    km: float | None = None  # distance to the sender (None: unknown)
    same_city: bool = False


def score(facts: Facts) -> tuple[int, list[str]]:
    """The points and, in order, the reasons a person reads. Each part is bounded, so that
    no single figure outweighs the others."""
    points, reasons = 0, []
    owed = facts.they_sent - facts.you_sent
    if facts.they_sent or facts.you_sent:
        if owed > 0:  # they send to me and I under-send to them: the strongest reason
            points += 2 * min(owed, 5)
        elif owed < 0:
            points -= min(-owed, 3)
        reasons.append(f"sent you {facts.they_sent}, you sent them {facts.you_sent} (12 months)")
    if facts.capacity is not None:
        free = facts.capacity - facts.this_week
        if free <= 0:
            points -= 5
            reasons.append(f"full this week ({facts.this_week} of {facts.capacity})")
        else:
            points += min(free, 3)
            reasons.append(f"room for {free} more this week")
    if facts.answered >= MIN_ANSWERED:
        rate = facts.accepted / facts.answered
        points += round(4 * rate)
        reasons.append(f"accepts {rate:.0%} of {facts.answered}")
        if facts.accept_hours is not None:
            if facts.accept_hours <= 24:
                points += 2
            elif facts.accept_hours > 168:
                points -= 2
            reasons.append(f"accepts in {_hours(facts.accept_hours)} (median)")
    if facts.km is not None:
        if facts.km <= 10:
            points += 3
        elif facts.km <= 50:
            points += 1
        elif facts.km > 200:
            points -= 2
        reasons.append(f"{facts.km:.0f} km away")
    elif facts.same_city:
        points += 2
        reasons.append("same city")
    return points, reasons


def _hours(hours: float) -> str:
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, Earth radius 6,371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class Suggestion:
    member_id: int
    member_name: str
    city: str | None
    points: int
    reasons: list[str] = field(default_factory=list)
    km: float | None = None
    same_city: bool = False
    postcode_area: bool = False

    def as_row(self) -> dict:
        return {
            "member_id": self.member_id,
            "member_name": self.member_name,
            "city": self.city,
            "score": self.points,
            "reasons": self.reasons,
            "distance_km": None if self.km is None else round(self.km, 1),
        }


def _coordinates(member: Member) -> tuple[float, float] | None:
    if member.latitude is None or member.longitude is None:
        return None
    return member.latitude, member.longitude


def _area(postcode: str | None) -> str | None:
    """The postcode area: its leading letters ("LS1 4AP" -> "LS"), or for a postcode of
    digits its first two ("75001" -> "75")."""
    code = (postcode or "").strip().upper()
    if not code:
        return None
    letters = len(code) - len(code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return code[:letters] if letters else code[:2]


def candidates(
    sender: Member, specialties: list[str], exclude: set[int], now: datetime
) -> list[Suggestion]:
    """Every active, accepting member of the sender's network with one of the specialties
    (none when none is given), not the sender nor `exclude`, with its score."""
    keys = sorted({s.lower().strip() for s in specialties if s.strip()})
    if not keys:  # no specialty, no suggestion (never a whole network's members)
        return []
    query = (
        select(Member)
        .options(undefer(Member.latitude), undefer(Member.longitude))
        .where(
            Member.network_id == sender.network_id,
            Member.active.is_(True),
            Member.accepting.is_(True),
            Member.id.not_in({sender.id, *exclude}),
        )
    )
    query = query.where(Member.id.in_(select(Specialty.member_id).where(Specialty.key.in_(keys))))
    members = db.session.scalars(query).all()
    if not members:
        return []
    facts = _facts(sender, members, now)
    here = _coordinates(sender)
    out = []
    for m in members:
        there = _coordinates(m)
        got = facts[m.id]
        got.km = distance_km(here, there) if here and there else None
        got.same_city = bool(
            sender.city and m.city and sender.city.strip().lower() == m.city.strip().lower()
        )
        points, reasons = score(got)
        area = _area(sender.postcode)
        out.append(
            Suggestion(
                m.id,
                m.name,
                m.city,
                points,
                reasons,
                got.km,
                got.same_city,
                area is not None and area == _area(m.postcode),
            )
        )
    return out


def _facts(sender: Member, members: list[Member], now: datetime) -> dict[int, Facts]:
    ids = [m.id for m in members]
    facts = {m.id: Facts(capacity=m.capacity) for m in members}
    since = now - WINDOW
    pair = db.session.execute(
        select(Referral.sender_id, Referral.receiver_id, func.count())
        .where(
            Referral.sent_at >= since,
            or_(
                (Referral.sender_id == sender.id) & Referral.receiver_id.in_(ids),
                (Referral.receiver_id == sender.id) & Referral.sender_id.in_(ids),
            ),
        )
        .group_by(Referral.sender_id, Referral.receiver_id)
    ).all()
    for from_id, to_id, count in pair:
        if from_id == sender.id:
            facts[to_id].you_sent = count
        else:
            facts[from_id].they_sent = count
    week = now - WEEK
    accept_hours: dict[int, list[float]] = defaultdict(list)
    rows = db.session.execute(
        select(Referral.receiver_id, Referral.sent_at, Referral.accepted_at, Referral.declined_at)
        .where(Referral.receiver_id.in_(ids), Referral.sent_at >= since)
        .order_by(Referral.receiver_id)
    ).all()
    for receiver_id, sent_at, accepted_at, declined_at in rows:
        got = facts[receiver_id]
        if sent_at >= week:
            got.this_week += 1
        if accepted_at is not None:
            got.answered += 1
            got.accepted += 1
            accept_hours[receiver_id].append((accepted_at - sent_at).total_seconds() / 3600)
        elif declined_at is not None:
            got.answered += 1
    for member_id, hours in accept_hours.items():
        facts[member_id].accept_hours = statistics.median(hours)
    return facts


def ranked(found: list[Suggestion]) -> list[Suggestion]:
    """Highest score first; then name and id, so that the order is stable."""
    return sorted(found, key=lambda s: (-s.points, s.member_name.lower(), s.member_id))


def nearest(found: list[Suggestion]) -> list[Suggestion]:
    """Nearest first: by distance where known, then the same city, then the same postcode
    area, then the others; each group by score."""
    return sorted(
        found,
        key=lambda s: (
            s.km is None,
            s.km if s.km is not None else 0.0,
            not s.same_city,
            not s.postcode_area,
            -s.points,
            s.member_name.lower(),
            s.member_id,
        ),
    )
