"""Thanks for a closed referral, and the recognition the network report shows.

Either side of a closed referral may thank the other once, with a short note: the sender
thanks the receiver for the care, the receiver thanks the sender for the client. The note is
in the referral's timeline and the other side's notifications; the thanking is audited.
Recognition only: no money, no points, no reward, for any kind of referral.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app import fields as f
from app.audit.service import record
from app.extensions import db
from app.models import Member, Network, Notification, Referral, Status, Thanks, User, utcnow
from app.models import user_member as um
from app.referrals.access import parties_of, referral_for
from app.referrals.states import Party
from app.refusals import Forbidden, Invalid
from app.reports.scope import Scope

MAX_NOTE = 500


def thanking_side(actor: User, referral: Referral) -> tuple[int, int] | None:
    """(from member, to member) when the actor may thank on this referral now, else None."""
    parties = parties_of(actor, referral)
    # No sender (a client of the receiver's own link): no other member to thank.
    if referral.status != Status.CLOSED or referral.sender_id is None:
        return None
    if Party.SENDER in parties:
        return referral.sender_id, referral.receiver_id
    if Party.RECEIVER in parties:
        return referral.receiver_id, referral.sender_id
    return None


def thanks_of(referral_id: int) -> list[Thanks]:
    return list(
        db.session.scalars(
            select(Thanks).where(Thanks.referral_id == referral_id).order_by(Thanks.id)
        )
    )


def may_thank(actor: User, referral: Referral, given: list[Thanks]) -> bool:
    side = thanking_side(actor, referral)
    return side is not None and all(t.from_member_id != side[0] for t in given)


def thank(actor: User, referral_id: int, note: object) -> Thanks:
    """Thank the other side of a closed referral (once per side). Refusals: 404 for a
    referral the actor may not see, 403 for one it is not a side of, 422 for a referral not
    closed, a second thanks, or a note that is empty or too long."""
    referral = referral_for(actor, referral_id)
    parties = parties_of(actor, referral)
    if not parties & {Party.SENDER, Party.RECEIVER}:
        raise Forbidden("Only the sender's and the receiver's practitioners give thanks.")
    problems = f.FieldProblems()
    text = f.text(
        problems, "note", note, label="Your note", required=True, max_len=MAX_NOTE, multiline=True
    )
    if problems:
        raise Invalid("Write a short note of thanks.", dict(problems))
    side = thanking_side(actor, referral)
    if side is None and referral.sender_id is None:
        raise Invalid(
            "No member sent this referral (the client came through your own link): there is "
            "no one to thank.",
            {"note": "No sender."},
        )
    if side is None:
        raise Invalid("Thanks are given once the referral is closed.", {"note": "Not closed yet."})
    from_id, to_id = side
    if db.session.scalar(
        select(Thanks.id).where(Thanks.referral_id == referral.id, Thanks.from_member_id == from_id)
    ):
        raise Invalid("You have already thanked them for this referral.", {"note": "Sent."})
    given = Thanks(
        referral_id=referral.id,
        from_member_id=from_id,
        to_member_id=to_id,
        user_id=actor.id,
        note=text,
        created_at=utcnow(),
    )
    db.session.add(given)
    record("thank", "referral", referral.id, user=actor, detail=f"member {from_id} → {to_id}")
    giver = db.session.get(Member, from_id)
    message = f"{giver.name} thanked you for referral #{referral.id}"
    users = db.session.scalars(
        select(User.id)
        .join(um, um.c.user_id == User.id)
        .where(um.c.member_id == to_id, User.active.is_(True))
    ).all()
    for user_id in users:
        db.session.add(
            Notification(user_id=user_id, referral_id=referral.id, kind="thanks", message=message)
        )
    db.session.flush()
    return given


@dataclass
class Recognition:
    member_id: int
    member_name: str
    thanked: int  # thanks received in the period
    completed: int  # referrals it received in the period and closed
    given: int  # referrals it sent in the period

    def as_row(self) -> dict:
        return {
            "member_id": self.member_id,
            "member_name": self.member_name,
            "thanks_received": self.thanked,
            "completed": self.completed,
            "given": self.given,
        }


def recent_thanks(network_id: int, scope: Scope, limit: int = 5) -> list[dict]:
    """The newest thanks of the period in the network: who thanked whom, for which referral."""
    giver, taker = Member.__table__.alias("giver"), Member.__table__.alias("taker")
    rows = db.session.execute(
        select(Thanks.referral_id, giver.c.name, taker.c.name, Thanks.note, Thanks.created_at)
        .join(giver, giver.c.id == Thanks.from_member_id)
        .join(taker, taker.c.id == Thanks.to_member_id)
        .where(
            taker.c.network_id == network_id,
            Thanks.created_at >= scope.start,
            Thanks.created_at < scope.end,
        )
        .order_by(Thanks.created_at.desc(), Thanks.id.desc())
        .limit(limit)
    ).all()
    return [
        {"referral_id": r, "from_name": a, "to_name": b, "note": n, "at": at}
        for r, a, b, n, at in rows
    ]


def thanks_count(network_id: int, scope: Scope) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Thanks)
        .join(Member, Member.id == Thanks.to_member_id)
        .where(
            Member.network_id == network_id,
            Thanks.created_at >= scope.start,
            Thanks.created_at < scope.end,
        )
    )


def leaderboard(network: Network, scope: Scope, rows, limit: int = 10) -> list[Recognition]:
    """Most thanked, then most completed, then most given, over the report's period: the
    member figures `rows` give the completed (closed of received) and given counts."""
    thanked = dict(
        db.session.execute(
            select(Thanks.to_member_id, func.count())
            .join(Member, Member.id == Thanks.to_member_id)
            .where(
                Member.network_id == network.id,
                Thanks.created_at >= scope.start,
                Thanks.created_at < scope.end,
            )
            .group_by(Thanks.to_member_id)
        ).all()
    )
    found = [
        Recognition(r.member_id, r.member_name, thanked.get(r.member_id, 0), r.closed, r.given)
        for r in rows
    ]
    found = [r for r in found if r.thanked or r.completed or r.given]
    found.sort(key=lambda r: (-r.thanked, -r.completed, -r.given, r.member_name, r.member_id))
    return found[:limit]
