"""The appointment as an iCalendar file (RFC 5545) the client adds to a calendar.

One UID per referral, so that a rescheduled appointment replaces the one a calendar holds;
its SEQUENCE counts the times the appointment was set (schedule and reschedule events), so
each new time outranks the last. The summary names the receiver, never why the client goes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Referral, ReferralEvent, utcnow
from app.referrals.vocabulary import words

SETTING_ACTIONS = ("schedule", "reschedule")
CONTENT_TYPE = "text/calendar; method=REQUEST; charset=utf-8"


def _escape(value: str) -> str:
    """TEXT values: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next, after a space (RFC 5545 3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _as_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def sequence_of(referral: Referral) -> int:
    """0 for the first appointment; one more each time it was set again."""
    times = db.session.scalar(
        select(func.count(ReferralEvent.id)).where(
            ReferralEvent.referral_id == referral.id, ReferralEvent.action.in_(SETTING_ACTIONS)
        )
    )
    return max((times or 0) - 1, 0)


def receiver_address(receiver: Member) -> str | None:
    place = " ".join(p for p in (receiver.postcode, receiver.city) if p)
    parts = [p for p in (receiver.address, place) if p]
    return ", ".join(parts) or None


def appointment_ics(referral: Referral, link: str | None = None) -> str:
    """The VCALENDAR of the referral's appointment (METHOD:REQUEST)."""
    receiver = db.session.get(Member, referral.receiver_id)
    said = words(referral.kind)
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "refnet"
    organizer = receiver.email or current_app.config["MAIL_DEFAULT_SENDER"]
    contact = " · ".join(p for p in (receiver.phone, receiver.email) if p)
    description = [f"{said.appointment.capitalize()} with {receiver.name}."]
    if contact:
        description.append(f"Contact: {contact}")
    if link:
        description.append(f"Confirm or ask for another time: {link}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//refnet//client appointment//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:refnet-referral-{referral.id}@{host}",
        f"SEQUENCE:{sequence_of(referral)}",
        f"DTSTAMP:{_as_utc(utcnow())}",
        f"DTSTART:{_as_utc(referral.appointment_at)}",
        f"SUMMARY:{_escape(f'{said.appointment.capitalize()} with {receiver.name}')}",
    ]
    if address := receiver_address(receiver):
        lines.append(f"LOCATION:{_escape(address)}")
    lines += [
        f"DESCRIPTION:{_escape(chr(10).join(description))}",
        f"ORGANIZER;CN={_param(receiver.name)}:mailto:{organizer}",
    ]
    if referral.client.email:
        lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{referral.client.email}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _param(value: str) -> str:
    """A parameter value: quoted, without the characters a quoted value cannot hold."""
    return '"' + "".join(c for c in value if c not in '"\r\n') + '"'
