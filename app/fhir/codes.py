"""The codes refnet writes into FHIR resources: each from the value set its element binds.

refnet's own code systems (business status, reason codes, task outputs, directory
characteristics) are fixed URIs, the same in every deployment, unlike the identifier
systems of systems.py. Business statuses carry HL7 BSeR's TaskBusinessStatusCS code
beside refnet's where BSeR has one (DESIGN.md, "FHIR mapping of states").
"""

from __future__ import annotations

from app.models.enums import REASON_CODE_LABELS, Status

CODE_SYSTEM_BASE = "https://refnet.example.org/fhir/CodeSystem"
BUSINESS_STATUS_SYSTEM = f"{CODE_SYSTEM_BASE}/referral-business-status"
STATUS_REASON_SYSTEM = f"{CODE_SYSTEM_BASE}/referral-status-reason"
TASK_OUTPUT_SYSTEM = f"{CODE_SYSTEM_BASE}/referral-task-output"
CHARACTERISTIC_SYSTEM = f"{CODE_SYSTEM_BASE}/directory-characteristic"
BSER_BUSINESS_STATUS_SYSTEM = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SNOMED = "http://snomed.info/sct"
REFERRAL_METHOD_SYSTEM = "http://terminology.hl7.org/CodeSystem/service-referral-method"

S = Status

# refnet status -> ServiceRequest.status (request-status value set).
SERVICE_REQUEST_STATUS = {
    S.SENT: "active",
    S.ACCEPTED: "active",
    S.DECLINED: "revoked",
    S.SCHEDULED: "active",
    S.VISITED: "active",
    S.CLOSED: "completed",
    S.CANCELLED: "revoked",
    S.EXPIRED: "revoked",
    S.INFO_REQUESTED: "on-hold",
}

# refnet status -> Task.status (task-status value set).
TASK_STATUS = {
    S.SENT: "requested",
    S.ACCEPTED: "accepted",
    S.DECLINED: "rejected",
    S.SCHEDULED: "in-progress",
    S.VISITED: "in-progress",
    S.CLOSED: "completed",
    S.CANCELLED: "cancelled",
    S.EXPIRED: "failed",
    S.INFO_REQUESTED: "on-hold",
}

# refnet status -> (refnet business status code, its words, BSeR TaskBusinessStatusCS code).
BUSINESS_STATUS = {
    S.SENT: ("sent", "Sent", "2.0"),
    S.ACCEPTED: ("accepted", "Accepted", "3.0"),
    S.DECLINED: ("declined", "Declined", "4.0"),
    S.SCHEDULED: ("visit-scheduled", "Visit scheduled", "5.1.1"),
    S.VISITED: ("visit-complete", "Visit complete", "5.1.4"),
    S.CLOSED: ("closed", "Closed", "7.0"),
    S.CANCELLED: ("cancelled", "Cancelled", "6.0"),
    S.EXPIRED: ("expired", "Expired", None),
    S.INFO_REQUESTED: ("info-requested", "Information requested", None),
}

# Statuses whose Task carries a statusReason.
STATUS_REASON_STATUSES = frozenset({S.DECLINED, S.CANCELLED, S.EXPIRED})
EXPIRED_REASON = ("expired", "Expired: no answer within the network's limit")

# The reason codes of refnet (declines, cancellations, no-shows) with their words.
REASON_CODES = {code.value: label for code, label in REASON_CODE_LABELS.items()}


def business_status(status: Status) -> dict:
    """Task.businessStatus: refnet's coding, and BSeR's where one exists."""
    code, display, bser = BUSINESS_STATUS[status]
    codings = [{"system": BUSINESS_STATUS_SYSTEM, "code": code, "display": display}]
    if bser:
        codings.append({"system": BSER_BUSINESS_STATUS_SYSTEM, "code": bser})
    return {"coding": codings, "text": display}


def status_reason(status: Status, reason_code: str | None, reason_text: str | None) -> dict | None:
    """Task.statusReason of a declined, cancelled or expired referral: the code and the words."""
    if status not in STATUS_REASON_STATUSES:
        return None
    if status == S.EXPIRED:
        code, display = EXPIRED_REASON
    elif reason_code:
        code, display = str(reason_code), REASON_CODES[str(reason_code)]
    else:
        return {"text": reason_text} if reason_text else None
    concept = {"coding": [{"system": STATUS_REASON_SYSTEM, "code": code, "display": display}]}
    concept["text"] = reason_text or display
    return concept
