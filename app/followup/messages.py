"""What a reminder says and to whom: an in-app notification per user and ONE e-mail per key.

One e-mail per reminder key (To the first address, Cc the others) so that the key
`X-Refnet-Reminder` leaves exactly once. E-mails carry the minimum necessary: the referral
number, the members, the stage and a link; never the client's name, birth date or reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.followup.rules import STAGE_LABELS, Rules
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import (
    Member,
    Notification,
    Referral,
    Role,
    User,
    user_member,
    user_network,
    utcnow,
)
from app.models.referral import FROM_OWN_LINK

IMMEDIATE = "immediate"
DIGEST = "digest"


def users_acting_for(member_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == member_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def coordinators_of(network_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_network, user_network.c.user_id == User.id)
            .where(
                user_network.c.network_id == network_id,
                User.active.is_(True),
                User.role == Role.COORDINATOR,
            )
            .order_by(User.id)
        )
    )


def _when(moment: datetime, rules: Rules) -> str:
    return f"{moment.astimezone(rules.timezone):%d %b %Y, %H:%M}"


def _from_name(referral) -> str:
    """The sender's name; in words when no member sent it (a client of the receiver's own
    link). `referral` may be a row of the tick's scan, not an ORM object."""
    if referral.sender_id is None:
        return FROM_OWN_LINK
    return db.session.get(Member, referral.sender_id).name


def reminder_text(referral: Referral, stage: str, step: int, deadline, rules: Rules) -> str:
    number = f"reminder {step + 1}" if step else "reminder"
    return (
        f"Referral #{referral.id} from {_from_name(referral)} waits for {STAGE_LABELS[stage]}: "
        f"it was due {_when(deadline, rules)} ({number})"
    )


def escalation_text(referral: Referral, stage: str, deadline, rules: Rules) -> str:
    receiver = db.session.get(Member, referral.receiver_id)
    return (
        f"Referral #{referral.id} from {_from_name(referral)} to {receiver.name} still waits for "
        f"{STAGE_LABELS[stage]} after {rules.escalate_after} reminders "
        f"(due {_when(deadline, rules)})"
    )


def tell(
    users: list[User],
    referral: Referral,
    kind: str,
    message: str,
    key: str,
    fallback_address: str | None = None,
    now: datetime | None = None,
) -> int:
    """Notify each user in the app; queue one e-mail for those who want reminders at once.

    Returns how many e-mails were queued (0 or 1). Users who chose the daily digest get the
    notification now and the e-mail in their digest."""
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                referral_id=referral.id,
                kind=kind,
                message=message,
                created_at=now or utcnow(),
            )
        )
    addresses = [u.email for u in users if u.has_password and u.reminder_mail != DIGEST]
    if not addresses and not users and fallback_address:
        addresses = [fallback_address]
    if not addresses:
        return 0
    link = external_url("referrals.detail", referral_id=referral.id)
    headers = {"X-Refnet-Reminder": key, "X-Refnet-Referral": str(referral.id)}
    if len(addresses) > 1:
        headers["Cc"] = ", ".join(addresses[1:])
    queue_email(
        addresses[0],
        f"refnet: {message}",
        f"{message}.\n\nOpen the referral in refnet to act on it:\n{link}\n",
        headers,
    )
    return 1
