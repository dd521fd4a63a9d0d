"""What the client's link shows and what the client may answer: the verbs of the client page.

The link is the client's only credential (app/referrals/client_links.py): every function
here starts from the token and refuses with NotFound whatever does not open a page. The
page shows no clinical detail: no reason, service, notes or outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import fields as f
from app.audit.service import record
from app.extensions import db
from app.models import (
    ClientLink,
    Member,
    Network,
    Notification,
    Referral,
    ReferralEvent,
    Status,
    User,
    user_member,
    utcnow,
)
from app.referrals.appointment_ics import appointment_ics, receiver_address
from app.referrals.client_links import referral_of_token
from app.referrals.vocabulary import Vocabulary, words
from app.refusals import Invalid

# Who read the page, as the audit trail names it (no user signs in).
ACTOR = "by=client-link"
ANSWERS = {"confirm": "client-confirm", "rebook": "client-rebook"}
MESSAGE_MAX = 500


@dataclass
class ClientPage:
    referral: Referral
    receiver: Member
    link: ClientLink
    said: Vocabulary
    timezone: str
    expires: datetime
    address: str | None

    @property
    def appointment(self) -> datetime | None:
        return self.referral.appointment_at

    @property
    def may_answer(self) -> bool:
        """Only a booked appointment can be confirmed or moved."""
        return self.referral.status == Status.SCHEDULED and self.appointment is not None

    @property
    def answered(self) -> str | None:
        """The client's answer about this very appointment, if any."""
        link = self.link
        if link.reply and link.reply_for is not None and link.reply_for == self.appointment:
            return link.reply
        return None

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo(self.timezone)):%A %d %B %Y at %H:%M}"

    @property
    def status_words(self) -> str:
        return plain_status(self.referral, self.receiver, self.said)


def plain_status(referral: Referral, receiver: Member, said: Vocabulary) -> str:
    """Where the referral stands, as the client reads it: never why it was declined."""
    name = receiver.name
    noun = said.appointment
    article = "a" if noun == "meeting" else "an"
    return {
        Status.SENT: f"Your referral has been sent to {name}. They have not answered yet.",
        Status.ACCEPTED: f"{name} has accepted your referral and will contact you to arrange "
        f"{article} {noun}.",
        Status.SCHEDULED: f"Your {noun} with {name} is booked.",
        Status.VISITED: f"Your {noun} with {name} has taken place.",
        Status.CLOSED: f"{name} has finished with your referral.",
        Status.DECLINED: f"{name} could not take your referral. Whoever referred you will be "
        "in touch about what happens next.",
        Status.CANCELLED: "This referral was cancelled. Whoever referred you will be in touch "
        "if anything changes.",
        Status.EXPIRED: f"{name} did not answer in time. Whoever referred you will be in touch.",
    }.get(referral.status, f"Your referral to {name} is being looked at.")


def _page(token: str) -> ClientPage:
    referral, link, expires = referral_of_token(token)
    network = db.session.get(Network, referral.network_id)
    receiver = db.session.get(Member, referral.receiver_id)
    return ClientPage(
        referral=referral,
        receiver=receiver,
        link=link,
        said=words(referral.kind),
        timezone=network.timezone,
        expires=expires,
        address=receiver_address(receiver),
    )


def open_client_page(token: str) -> ClientPage:
    """The page a client's link opens (NotFound otherwise); the view is audited."""
    page = _page(token)
    referral = page.referral
    record("view", "referral", referral.id, user=None, detail=f"{ACTOR} client page")
    return page


def client_calendar(token: str) -> str:
    """The .ics of the appointment (NotFound when the link opens nothing or none is set)."""
    page = _page(token)
    if page.appointment is None:
        raise Invalid("There is no appointment yet.")
    record("download", "referral", page.referral.id, user=None, detail=f"{ACTOR} .ics")
    return appointment_ics(page.referral)


def _receivers_users(member_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == member_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def client_answer(token: str, answer: str, message=None) -> bool:
    """The client confirms the appointment ("confirm") or asks for another time ("rebook",
    with an optional short message). True when recorded; False when this same answer about
    this same appointment was recorded already (a form posted twice records once)."""
    if answer not in ANSWERS:
        raise Invalid("There is no such answer.")
    page = _page(token)
    if not page.may_answer:
        raise Invalid(f"There is no booked {page.said.appointment} to answer about.")
    problems = f.FieldProblems()
    text = None
    if answer == "rebook":
        text = f.text(
            problems,
            "message",
            message,
            label="Message",
            required=False,
            max_len=MESSAGE_MAX,
            multiline=True,
        )
    if problems:
        raise Invalid("The message could not be sent. Check it.", problems)
    referral = page.referral
    # The row locked and read again: a second post at the same moment waits, then sees this.
    link = db.session.scalar(
        select(ClientLink)
        .where(ClientLink.referral_id == referral.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if link.reply == answer and link.reply_for == referral.appointment_at:
        return False
    now = utcnow()
    link.reply, link.reply_for, link.reply_message, link.replied_at = (
        answer,
        referral.appointment_at,
        text,
        now,
    )
    when = page.local(referral.appointment_at)
    note = f"For the {page.said.appointment} on {when}."
    if text:
        note = f"{note}\n{text}"
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            actor_id=None,
            action=ANSWERS[answer],
            from_status=referral.status,
            to_status=referral.status,
            note=note,
            at=now,
        )
    )
    told = (
        f"The client of referral #{referral.id} confirmed they will attend on {when}"
        if answer == "confirm"
        else f"The client of referral #{referral.id} asked for another time than {when}"
    )
    for user in _receivers_users(referral.receiver_id):
        db.session.add(
            Notification(
                user_id=user.id, referral_id=referral.id, kind=ANSWERS[answer], message=told[:300]
            )
        )
    record(ANSWERS[answer], "referral", referral.id, user=None, detail=ACTOR)
    return True
