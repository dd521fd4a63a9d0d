"""Telling the other side of a thread: an in-app notification and a minimum-necessary e-mail.

The e-mail says only that there is a new message on referral (or advice request) #N, from
which member, with a link: never the message, the client's name, birth date or the reason.
"""

from __future__ import annotations

from app.advice.access import pool_of
from app.extensions import db
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import Member, Message, Notification, User
from app.referrals.notify import _users_acting_for
from app.threads.places import Thread


def _audience(thread: Thread, message: Message) -> list[int]:
    """Members to tell: every side of the thread but the author's (coordinators write for
    both sides and are not told of each message: they read the network's threads at will)."""
    if thread.referral is not None:
        referral = thread.referral
        sides = {"sender": [referral.sender_id], "receiver": [referral.receiver_id]}
    else:
        advice = thread.advice
        adviser = advice.asked_member_id or advice.answered_by_id
        if adviser is not None:
            advisers = [adviser]
        else:  # a pool nobody has taken yet: the whole pool hears the asker
            pool = pool_of(advice.network_id, advice.specialty_key, exclude=advice.asker_id)
            advisers = [m.id for m in pool]
        sides = {"asker": [advice.asker_id], "adviser": advisers}
    # A referral may have no sender (a client of the receiver's own link): nobody to tell.
    return [m for side, ids in sides.items() if side != message.side for m in ids if m is not None]


def _link(thread: Thread) -> str:
    if thread.referral is not None:
        return external_url("referrals.detail", referral_id=thread.referral.id) + "#messages"
    return external_url("advice.detail", advice_id=thread.advice.id) + "#messages"


def tell_members(
    member_ids: list[int], thread: Thread, kind: str, message_text: str, actor: User | None
) -> None:
    """A notification to each active user acting for these members (not the actor), and an
    e-mail to each of them who can sign in (else to the member's address)."""
    link = _link(thread)
    header = (
        {"X-Refnet-Referral": str(thread.referral.id)}
        if thread.referral is not None
        else {"X-Refnet-Advice": str(thread.advice.id)}
    )
    for member_id in dict.fromkeys(member_ids):
        member = db.session.get(Member, member_id)
        users = [u for u in _users_acting_for(member_id) if actor is None or u.id != actor.id]
        for user in users:
            db.session.add(
                Notification(user_id=user.id, kind=kind, message=message_text, **thread.key)
            )
        addresses = [u.email for u in users if u.has_password] or (
            [member.email] if member.email else []
        )
        for address in addresses:
            queue_email(
                address,
                f"refnet: {message_text}",
                f"{message_text}.\n\nOpen it in refnet to read it:\n{link}\n",
                header,
            )


def tell_about_message(thread: Thread, message: Message, actor: User) -> None:
    who = "A coordinator of the network"
    if message.member_id is not None:
        who = db.session.get(Member, message.member_id).name
    text = f"{who} wrote a new message on {thread.label}"
    tell_members(_audience(thread, message), thread, "message", text, actor)
