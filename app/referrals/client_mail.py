"""E-mails to the client about their referral: accepted, scheduled, rescheduled, reminders.

Only to a client who agreed to be contacted and gave an address (`may_contact`), and never
with clinical detail: no reason, service, notes or outcome; the receiver's name and contact,
the appointment in the network's timezone, and the client's link. Queued in the caller's
transaction, like every e-mail (app/mail/outbox.py).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from app.extensions import db
from app.mail.outbox import queue_email
from app.models import Member, Network, OutboxMessage, Referral
from app.referrals.appointment_ics import CONTENT_TYPE, appointment_ics
from app.referrals.client_links import client_link, link_expiry, may_contact
from app.referrals.vocabulary import words

KINDS = ("accepted", "scheduled", "rescheduled", "appointment-reminder")
# Kinds that carry the appointment (and its .ics).
WITH_APPOINTMENT = frozenset({"scheduled", "rescheduled", "appointment-reminder"})
# The transitions the client hears of, and the e-mail each one sends.
KIND_OF_ACTION = {"accept": "accepted", "schedule": "scheduled", "reschedule": "rescheduled"}


def local_time(referral: Referral, moment) -> str:
    """A moment in the network's timezone, as a client reads it."""
    tz = db.session.get(Network, referral.network_id).timezone
    return f"{moment.astimezone(ZoneInfo(tz)):%A %d %B %Y at %H:%M} ({tz} time)"


def receiver_contact(receiver: Member) -> list[str]:
    lines = [f"Phone: {receiver.phone}"] if receiver.phone else []
    if receiver.email:
        lines.append(f"E-mail: {receiver.email}")
    place = ", ".join(p for p in (receiver.address, receiver.city, receiver.postcode) if p)
    if place:
        lines.append(f"Address: {place}")
    return lines


def _what_happened(referral: Referral, kind: str, receiver: Member) -> tuple[str, str]:
    """The subject and the opening sentence of an e-mail of this kind."""
    said = words(referral.kind)
    name = receiver.name
    if kind == "accepted":
        return (
            f"{name} accepted your referral",
            f"{name} has accepted your referral. They will contact you to arrange "
            f"{'a meeting' if said.appointment == 'meeting' else 'an appointment'}.",
        )
    when = local_time(referral, referral.appointment_at)
    noun = said.appointment
    if kind == "scheduled":
        return f"Your {noun} with {name}", f"Your {noun} with {name} is on {when}."
    if kind == "rescheduled":
        return (
            f"Your {noun} with {name} has moved",
            f"Your {noun} with {name} has moved. It is now on {when}.",
        )
    return (
        f"Reminder: your {noun} with {name}",
        f"A reminder: your {noun} with {name} is on {when}.",
    )


def queue_client_email(
    referral: Referral, kind: str, headers: dict[str, str] | None = None
) -> OutboxMessage | None:
    """Queue an e-mail of `kind` (KINDS) to the referral's client, in the caller's
    transaction; None (nothing queued) when the client may not be contacted, or when the
    kind needs an appointment and there is none."""
    if kind not in KINDS:
        raise ValueError(f"no client e-mail of kind {kind!r}")
    if not may_contact(referral):
        return None
    if kind in WITH_APPOINTMENT and referral.appointment_at is None:
        return None
    receiver = db.session.get(Member, referral.receiver_id)
    subject, opening = _what_happened(referral, kind, receiver)
    link = client_link(referral)
    said = words(referral.kind)
    expires = link_expiry(referral)
    lines = ["Hello,", "", opening, ""]
    attachments = None
    if kind in WITH_APPOINTMENT:
        lines += [f"The attached file adds the {said.appointment} to your calendar.", ""]
        attachments = [
            {
                "filename": "appointment.ics",
                "content_type": CONTENT_TYPE,
                "content": appointment_ics(referral, link),
            }
        ]
    if contact := receiver_contact(receiver):
        lines += [f"How to reach {receiver.name}:", *contact, ""]
    lines += [
        "Your page for this referral: where it stands, and your answer to the "
        f"{said.appointment} once it is set:",
        link,
        f"The link works until {expires:%d %B %Y}. Do not forward it: whoever has it can see "
        f"your {said.appointment}.",
        "",
        "You receive this e-mail because you agreed to be contacted about this referral.",
    ]
    return queue_email(
        referral.client.email,
        f"refnet: {subject}",
        "\n".join(lines) + "\n",
        {"X-Refnet-Client-Email": kind, **(headers or {})},
        attachments,
    )


def tell_client(referral: Referral, action: str) -> None:
    """The client's e-mail for a transition, if the client hears of this one."""
    if kind := KIND_OF_ACTION.get(action):
        queue_client_email(referral, kind)
