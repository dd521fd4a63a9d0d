"""Fraud signals: reasons to hold a reward for a coordinator's review before it is approved.

Each signal looks at the referral that converted and who would earn; a reward with any
signal waits in the review queue (status `held`) with the reasons, in words a coordinator
can check. No signal refuses anything by itself: people do refer their neighbours.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Client, Member, Referral, Status, User, user_member

REPEAT_CLIENT_DAYS = 90  # the same client referred again within this many days
TRADE_DAYS = 90  # two members referring each other…
TRADE_MIN_EACH_WAY = 3  # …at least this many times each way, none of them converted
BURST_WINDOW = timedelta(hours=1)  # many intakes from one address or browser…
BURST_MIN_INTAKES = 3  # …this many within the window
CONVERTED = (Status.VISITED, Status.CLOSED)


def _email(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def _phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    # The last nine digits: +44 20 7946 0000 and 020 7946 0000 are the same phone.
    return digits[-9:] if len(digits) >= 6 else None


def _contacts(emails, phones) -> tuple[set[str], set[str]]:
    return {e for e in map(_email, emails) if e}, {p for p in map(_phone, phones) if p}


def owner_contacts(owner_member_id: int | None, owner_client_id: int | None):
    """The e-mails and phones of whoever owns the link: a member (and the users acting for
    it) or a client."""
    emails: list[str | None] = []
    phones: list[str | None] = []
    if owner_member_id is not None:
        member = db.session.get(Member, owner_member_id)
        emails += [member.email]
        phones += [member.phone]
        emails += db.session.scalars(
            select(User.email)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == owner_member_id)
        ).all()
    if owner_client_id is not None:
        owner = db.session.get(Client, owner_client_id)
        emails.append(owner.email)
        phones.append(owner.phone)
    return _contacts(emails, phones)


def self_referral(referral: Referral, owner_member_id, owner_client_id) -> str | None:
    client = referral.client
    if owner_client_id is not None and owner_client_id == client.id:
        return "The link's owner referred themselves."
    emails, phones = owner_contacts(owner_member_id, owner_client_id)
    if _email(client.email) in emails:
        return "The new client's e-mail address is the link owner's."
    if _phone(client.phone) in phones:
        return "The new client's phone number is the link owner's."
    return None


def repeat_client(referral: Referral) -> str | None:
    """Another referral of the same client (same record, e-mail or phone) in the network
    within REPEAT_CLIENT_DAYS before this one."""
    client = referral.client
    same = [Client.id == client.id]
    if _email(client.email):
        same.append(func.lower(Client.email) == _email(client.email))
    if client.phone:
        same.append(Client.phone == client.phone)
    since = referral.sent_at - timedelta(days=REPEAT_CLIENT_DAYS)
    earlier = db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .join(Client, Client.id == Referral.client_id)
        .where(
            Referral.network_id == referral.network_id,
            Referral.id != referral.id,
            Referral.sent_at >= since,
            Referral.sent_at <= referral.sent_at,
            or_(*same),
        )
    )
    if earlier:
        days = REPEAT_CLIENT_DAYS
        return f"The same client was referred {earlier} time(s) in the {days} days before."
    return None


def _unconverted(sender_id: int, receiver_id: int, since: datetime, but: int) -> tuple[int, int]:
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(Referral.status.in_(CONVERTED)),
        ).where(
            Referral.sender_id == sender_id,
            Referral.receiver_id == receiver_id,
            Referral.sent_at >= since,
            Referral.id != but,
        )
    ).one()
    return row[0], row[1]


def trading(referral: Referral, referrer_member_id: int | None) -> str | None:
    """The referrer and the receiver send each other referrals that never convert."""
    if referrer_member_id is None or referrer_member_id == referral.receiver_id:
        return None
    since = referral.sent_at - timedelta(days=TRADE_DAYS)
    there, there_done = _unconverted(referrer_member_id, referral.receiver_id, since, referral.id)
    back, back_done = _unconverted(referral.receiver_id, referrer_member_id, since, referral.id)
    if there >= TRADE_MIN_EACH_WAY and back >= TRADE_MIN_EACH_WAY and not there_done + back_done:
        return (
            f"The referrer and the receiver exchanged {there} and {back} referrals in "
            f"{TRADE_DAYS} days, none of which converted."
        )
    return None


def signals(
    referral: Referral,
    *,
    owner_member_id: int | None,
    owner_client_id: int | None,
    intake=None,
) -> list[dict[str, str]]:
    """The signals that fire for this referral and link owner: [{"signal", "reason"}].
    `intake` tells about the public intake behind the referral (app/rewards/intake_facts.py)."""
    found = [
        ("self_referral", self_referral(referral, owner_member_id, owner_client_id)),
        ("repeat_client", repeat_client(referral)),
        ("trading", trading(referral, owner_member_id)),
    ]
    if intake is not None:
        found += [
            ("unconfirmed_email", intake.unconfirmed_reason()),
            ("burst", intake.burst_reason(BURST_WINDOW, BURST_MIN_INTAKES)),
        ]
    return [{"signal": name, "reason": reason} for name, reason in found if reason]
