"""A message of a referral's conversation as a FHIR Communication."""

from __future__ import annotations

from app.fhir.ids import instant, ref, resource_id
from app.fhir.systems import MESSAGE, system

# Columns the builder reads: the message's own, and three of its referral's (`referral_*`).
MESSAGE_COLUMNS = ("id", "referral_id", "side", "member_id", "body", "created_at")


def communication(m) -> dict:
    """`m` has the message's columns and referral_sender_id, referral_receiver_id,
    referral_client_id. The side that wrote it sends; the other side receives (a
    coordinator's message goes to both)."""
    sides = {"sender": m.referral_sender_id, "receiver": m.referral_receiver_id}
    author = sides.get(m.side)
    recipients = [member for side, member in sides.items() if side != m.side]
    resource = {
        "resourceType": "Communication",
        "id": resource_id("Communication", m.id),
        "meta": {"lastUpdated": instant(m.created_at)},
        "identifier": [{"system": system(MESSAGE), "value": str(m.id)}],
        "basedOn": [ref("ServiceRequest", m.referral_id)],
        "partOf": [ref("Task", m.referral_id)],
        "status": "completed",
        "subject": ref("Patient", m.referral_client_id),
        "sent": instant(m.created_at),
        "recipient": [ref("PractitionerRole", member) for member in recipients],
        "payload": [{"contentString": m.body}],
    }
    if author is not None:
        resource["sender"] = ref("PractitionerRole", author)
    return resource
