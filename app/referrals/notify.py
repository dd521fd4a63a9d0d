"""Telling the other side: an in-app notification and a queued e-mail for every transition.

E-mails carry the minimum necessary: the referral number, who acted and a link back; never
the client's name, birth date or the reason for the referral.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import Member, Network, Notification, Referral, User, user_member
from app.referrals.client_mail import tell_client
from app.referrals.states import Party
from app.referrals.vocabulary import words

# What happened, as the other side reads it.
PHRASES = {
    "send": "{sender} sent you referral #{id}",
    "accept": "{receiver} accepted referral #{id}",
    "decline": "{receiver} declined referral #{id}",
    "forward": "{receiver} forwarded referral #{id} to {forwarded_to} as referral #{copy_id}",
    "cancel": "Referral #{id} was cancelled",
    "expire": "Referral #{id} expired without an answer",
    "schedule": "{receiver} scheduled a visit for referral #{id}",
    "reschedule": "{receiver} moved the appointment of referral #{id} to {appointment}",
    "record-visit": "{receiver} recorded the visit for referral #{id}",
    "no-show": "The client did not come to the visit of referral #{id}",
    "close": "{receiver} closed referral #{id} with an outcome",
    # The question and the answer stay in refnet: e-mails carry the minimum necessary.
    "request-info": "{receiver} asks for more information on referral #{id}",
    "provide-info": "{sender} answered your question on referral #{id}",
    "interim-report": "{receiver} posted an interim report on referral #{id}",
    "reopen": "Referral #{id} was reopened",
}
# The first message of a forwarded copy: who forwarded it, from which referral.
FORWARDED_SEND = "{origin} forwarded you referral #{id} from {sender} (was #{origin_id})"
# A referral no member sent: a client came in through the receiver's own link.
OWN_LINK_SEND = "A client came to you through your own link: referral #{id}"


def _users_acting_for(member_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == member_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _link(referral: Referral) -> str:
    return external_url("referrals.detail", referral_id=referral.id)


def _audience(referral: Referral, action: str, actor_parties: set[Party]) -> list[int]:
    """Members to tell: the side that did not act (both sides when a coordinator acted)."""
    if action == "send":
        return [referral.receiver_id]
    sides = []
    if Party.SENDER not in actor_parties and referral.sender_id is not None:
        sides.append(referral.sender_id)
    if Party.RECEIVER not in actor_parties and action != "expire":
        sides.append(referral.receiver_id)
    return sides


def tell_other_side(
    referral: Referral, action: str, actor: User | None, actor_parties: set[Party]
) -> None:
    receiver = db.session.get(Member, referral.receiver_id)
    names = {"id": referral.id, "sender": referral.from_name, "receiver": receiver.name}
    phrase = words(referral.kind).phrases.get(action, PHRASES[action])
    if action == "send" and referral.sender_id is None:
        phrase = OWN_LINK_SEND
    if action == "forward" and referral.forwarded_to_id is not None:
        copy = db.session.get(Referral, referral.forwarded_to_id)
        names |= {"forwarded_to": copy.receiver.name, "copy_id": copy.id}
    elif action == "send" and referral.forwarded_from_id is not None:
        origin = db.session.get(Referral, referral.forwarded_from_id)
        names |= {"origin": origin.receiver.name, "origin_id": origin.id}
        phrase = FORWARDED_SEND
    if action == "reschedule":
        tz = ZoneInfo(db.session.get(Network, referral.network_id).timezone)
        names["appointment"] = f"{referral.appointment_at.astimezone(tz):%d %b %Y, %H:%M}"
    message = phrase.format(**names)
    link = _link(referral)
    body = f"{message}.\n\nOpen the referral in refnet to see the details:\n{link}\n"
    if action == "expire":  # one click to the send form, filled in from this referral
        again = external_url("referrals.new", again=referral.id)
        body += f"\nSend the client to someone else:\n{again}\n"
    for member_id in _audience(referral, action, actor_parties):
        member = receiver if member_id == receiver.id else referral.sender
        tell_member(member, referral, action, message, body, actor)
    tell_client(referral, action)  # the client's own e-mail, when they agreed to one


def tell_member(
    member: Member, referral: Referral, kind: str, message: str, body: str, actor: User | None
) -> None:
    """An in-app notification for each user acting for the member (not the one who acted),
    and an e-mail queued to each (sent after the commit, by the outbox)."""
    users = [u for u in _users_acting_for(member.id) if actor is None or u.id != actor.id]
    for user in users:
        db.session.add(
            Notification(user_id=user.id, referral_id=referral.id, kind=kind, message=message)
        )
    # Invited users who never set a password cannot open the link: no e-mail for them.
    addresses = [u.email for u in users if u.has_password] or (
        [member.email] if member.email else []
    )
    for address in addresses:
        queue_email(address, f"refnet: {message}", body, {"X-Refnet-Referral": str(referral.id)})
