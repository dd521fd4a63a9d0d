"""A clinical referral as FHIR: ServiceRequest, Task, Appointment, Encounter, and the open
question as a Communication (DESIGN.md, "FHIR mapping of states").

Builders take any object with the referral's column names as attributes (an ORM Referral
or a row of the export's SELECT) and return plain dicts of FHIR R4 JSON: the bulk export
writes them as they are; tests hold each one against the fhir.resources R4B model and an
independent validator.
"""

from __future__ import annotations

from datetime import timedelta

from app.fhir import codes
from app.fhir.ids import instant, question_id, ref, resource_id
from app.fhir.systems import REFERRAL, system
from app.models.enums import Status

# Columns of `referral` the builders read.
REFERRAL_COLUMNS = (
    "id",
    "sender_id",
    "receiver_id",
    "client_id",
    "priority",
    "status",
    "reason",
    "service",
    "notes",
    "sent_at",
    "scheduled_at",
    "appointment_at",
    "visited_at",
    "info_requested_at",
    "info_question",
    "reason_code",
    "status_reason",
    "outcome",
    "updated_at",
)

# refnet does not keep an appointment's length; an appointment that is booked needs an end.
APPOINTMENT_MINUTES = 30
REFERRAL_CATEGORY = {
    "coding": [{"system": codes.SNOMED, "code": "3457005", "display": "Patient referral"}]
}
TASK_CODE = {"coding": [{"system": codes.TASK_CODE_SYSTEM, "code": "fulfill"}]}
AMBULATORY = {"system": codes.ACT_CODE_SYSTEM, "code": "AMB", "display": "ambulatory"}
OUTCOME_TYPE = {
    "coding": [{"system": codes.TASK_OUTPUT_SYSTEM, "code": "outcome", "display": "Outcome"}],
    "text": "Outcome note to the sender",
}


def _identifier(r) -> list[dict]:
    return [{"system": system(REFERRAL), "value": str(r.id)}]


def _updated(r) -> str:
    """meta.lastUpdated: the row's updated_at, which _lastUpdated and --since filter on."""
    return instant(r.updated_at)


def requester(r) -> dict:
    """Who asked: the sender's PractitionerRole; the Patient itself when no member sent it
    (a client came through the receiver's own link: R4 allows a Patient as the requester of
    a ServiceRequest and of a Task)."""
    if r.sender_id is None:
        return ref("Patient", r.client_id)
    return ref("PractitionerRole", r.sender_id)


def service_request(r) -> dict:
    status = Status(r.status)
    resource = {
        "resourceType": "ServiceRequest",
        "id": resource_id("ServiceRequest", r.id),
        "meta": {"lastUpdated": _updated(r)},
        "identifier": _identifier(r),
        "status": codes.SERVICE_REQUEST_STATUS[status],
        "intent": "order",
        "category": [REFERRAL_CATEGORY],
        "priority": str(r.priority),
        "code": {"text": r.service},
        "subject": ref("Patient", r.client_id),
        "authoredOn": instant(r.sent_at),
        "requester": requester(r),
        "performer": [ref("PractitionerRole", r.receiver_id)],
        "reasonCode": [{"text": r.reason}],
    }
    if r.notes:
        resource["note"] = [{"text": r.notes}]
    return resource


def task(r) -> dict:
    status = Status(r.status)
    resource = {
        "resourceType": "Task",
        "id": resource_id("Task", r.id),
        "meta": {"lastUpdated": _updated(r)},
        "identifier": _identifier(r),
        "basedOn": [ref("ServiceRequest", r.id)],
        "status": codes.TASK_STATUS[status],
        "businessStatus": codes.business_status(status),
        "intent": "order",
        "priority": str(r.priority),
        "code": TASK_CODE,
        "focus": ref("ServiceRequest", r.id),
        "for": ref("Patient", r.client_id),
        "authoredOn": instant(r.sent_at),
        # Never before authoredOn (invariant inv-1), whatever a bulk load wrote.
        "lastModified": instant(max(r.updated_at, r.sent_at)),
        "requester": requester(r),
        "owner": ref("PractitionerRole", r.receiver_id),
    }
    reason = codes.status_reason(status, r.reason_code, r.status_reason)
    if reason:
        resource["statusReason"] = reason
    if status == Status.CLOSED and r.outcome:
        resource["output"] = [{"type": OUTCOME_TYPE, "valueString": r.outcome}]
    return resource


def appointment_status(status: Status) -> str:
    """Appointment.status (appointmentstatus) of a referral that has an appointment."""
    if status == Status.SCHEDULED:
        return "booked"
    if status == Status.CANCELLED:
        return "cancelled"
    return "fulfilled"  # visited, closed


def appointment(r) -> dict | None:
    """The scheduled visit, if the referral has (or had) one."""
    if r.appointment_at is None:
        return None
    status = Status(r.status)
    resource = {
        "resourceType": "Appointment",
        "id": resource_id("Appointment", r.id),
        "meta": {"lastUpdated": _updated(r)},
        "status": appointment_status(status),
        "serviceType": [{"text": r.service}],
        "start": instant(r.appointment_at),
        "end": instant(r.appointment_at + timedelta(minutes=APPOINTMENT_MINUTES)),
        "minutesDuration": APPOINTMENT_MINUTES,
        "basedOn": [ref("ServiceRequest", r.id)],
        "participant": [
            {"actor": ref("Patient", r.client_id), "status": "accepted"},
            {"actor": ref("PractitionerRole", r.receiver_id), "status": "accepted"},
        ],
    }
    if r.scheduled_at is not None:
        resource["created"] = instant(r.scheduled_at)
    return resource


def encounter(r) -> dict | None:
    """The recorded visit, if there was one."""
    if r.visited_at is None:
        return None
    resource = {
        "resourceType": "Encounter",
        "id": resource_id("Encounter", r.id),
        "meta": {"lastUpdated": _updated(r)},
        "status": "finished",
        "class": AMBULATORY,
        "subject": ref("Patient", r.client_id),
        "basedOn": [ref("ServiceRequest", r.id)],
        "participant": [{"individual": ref("PractitionerRole", r.receiver_id)}],
        "period": {"start": instant(r.visited_at)},
        "serviceProvider": ref("Organization", r.receiver_id),
    }
    if r.appointment_at is not None:
        resource["appointment"] = [ref("Appointment", r.id)]
    return resource


def question(r) -> dict | None:
    """The receiver's question to the sender (info_requested; kept on a cancellation)."""
    if not r.info_question:
        return None
    return {
        "resourceType": "Communication",
        "id": question_id(r.id),
        "meta": {"lastUpdated": _updated(r)},
        "basedOn": [ref("ServiceRequest", r.id)],
        "partOf": [ref("Task", r.id)],
        "status": "completed",
        "category": [{"text": "Information requested"}],
        "subject": ref("Patient", r.client_id),
        "sent": instant(r.info_requested_at or r.updated_at),
        "recipient": [requester(r)],
        "sender": ref("PractitionerRole", r.receiver_id),
        "payload": [{"contentString": r.info_question}],
    }


def referral_resources(r) -> list[dict]:
    """Every resource one referral row makes, ServiceRequest first."""
    found = [service_request(r), task(r), appointment(r), encounter(r), question(r)]
    return [resource for resource in found if resource is not None]
