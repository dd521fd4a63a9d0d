"""Shared steps of the client-contact tests: a referral whose client agreed to e-mails."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.models import OutboxMessage, utcnow
from tests.test_api import API, act, new_referral

REASON = "MARKER-REASON-4411 chest pain"
SERVICE = "MARKER-SERVICE-9902 echo"
NOTES = "MARKER-NOTES-5150"
CLINICAL_TEXT = (REASON, SERVICE, NOTES, "MARKER-", "Chest pain", "Cardiology consult")
CLIENT_EMAIL = "ada@example.org"
LINK = re.compile(r"http://[^/\s]+(/c/[A-Za-z0-9_.-]+)")


def contactable(client, net, *, contact_consent=True, **client_changes) -> dict:
    """Send a referral through the API whose client agreed to be contacted."""
    new_client = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1980-05-17",
        "email": CLIENT_EMAIL,
        "consent": True,
        "contact_consent": contact_consent,
        **client_changes,
    }
    body = new_referral(net, reason=REASON, service=SERVICE, notes=NOTES)
    body["client"] = new_client
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def accepted(client, net, **changes) -> dict:
    referral = contactable(client, net, **changes)
    answer = act(client, net["b"], referral, "accept")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def scheduled(client, net, days=3, **changes) -> tuple[dict, object]:
    referral = accepted(client, net, **changes)
    at = (utcnow() + timedelta(days=days)).replace(microsecond=0, second=0)
    answer = act(client, net["b"], referral, "schedule", appointment_at=at.isoformat())
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json(), at


def client_emails(db, to=CLIENT_EMAIL) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == to).order_by(OutboxMessage.id)
        )
    )


def link_path(message: OutboxMessage) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def ics_fields(text: str) -> dict[str, str]:
    """The properties of an iCalendar text (unfolded), by name without parameters."""
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    fields: dict[str, str] = {}
    for line in unfolded.split("\r\n"):
        if line:
            name, _, value = line.partition(":")
            fields.setdefault(name.split(";")[0], value)
    return fields
