"""The people of a referral as FHIR: the client a Patient; each member (a side of a
referral, and an entry of the directory) an Organization, a PractitionerRole, a
HealthcareService, and a Practitioner when the member is a person.

Builders take attribute objects (ORM rows or SELECT rows) and return FHIR R4 JSON dicts.
"""

from __future__ import annotations

from app.fhir import codes
from app.fhir.ids import day, instant, ref, resource_id
from app.fhir.systems import CLIENT, MEMBER, system
from app.models.enums import MemberKind

CLIENT_COLUMNS = (
    "id",
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phone",
    "identifier",
    "created_at",
)
MEMBER_COLUMNS = (
    "id",
    "name",
    "kind",
    "organization",
    "address",
    "city",
    "postcode",
    "email",
    "phone",
    "accepting",
    "active",
    "created_at",
    "deactivated_at",
)
ACCEPTING = {
    "coding": [
        {
            "system": codes.CHARACTERISTIC_SYSTEM,
            "code": "accepting-referrals",
            "display": "Accepting new referrals",
        }
    ],
    "text": "Accepting new referrals",
}
NOT_ACCEPTING = {
    "coding": [
        {
            "system": codes.CHARACTERISTIC_SYSTEM,
            "code": "not-accepting-referrals",
            "display": "Not accepting new referrals",
        }
    ],
    "text": "Not accepting new referrals",
}
ELECTRONIC_REFERRALS = [
    {
        "coding": [
            {"system": codes.REFERRAL_METHOD_SYSTEM, "code": "elec", "display": "Secure Messaging"}
        ]
    }
]


def _telecom(row) -> list[dict]:
    telecom = []
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone})
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    return telecom


def patient(c) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": resource_id("Patient", c.id),
        "meta": {"lastUpdated": instant(c.created_at)},
        "identifier": [{"system": system(CLIENT), "value": str(c.id)}],
        "name": [{"family": c.family_name, "given": [c.given_name]}],
    }
    if c.identifier:
        # An identifier the referrer gave (a record number of its own): no system is known.
        resource["identifier"].append(
            {"type": {"text": "Referrer's identifier"}, "value": c.identifier}
        )
    telecom = _telecom(c)
    if telecom:
        resource["telecom"] = telecom
    if c.birth_date:
        resource["birthDate"] = day(c.birth_date)
    return resource


def _meta(m) -> dict:
    return {"lastUpdated": instant(m.deactivated_at or m.created_at)}


def _member_identifier(m) -> list[dict]:
    return [{"system": system(MEMBER), "value": str(m.id)}]


def is_person(m) -> bool:
    return MemberKind(m.kind) == MemberKind.PRACTITIONER


def organization(m) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": resource_id("Organization", m.id),
        "meta": _meta(m),
        "identifier": _member_identifier(m),
        "active": bool(m.active),
        "name": (m.organization or m.name) if is_person(m) else m.name,
    }
    telecom = _telecom(m)
    if telecom:
        resource["telecom"] = telecom
    if m.address or m.city or m.postcode:
        address = {}
        if m.address:
            address["line"] = [m.address]
        if m.city:
            address["city"] = m.city
        if m.postcode:
            address["postalCode"] = m.postcode
        resource["address"] = [address]
    return resource


def practitioner(m) -> dict | None:
    """Only a member who is a person is a Practitioner; a clinic is its Organization."""
    if not is_person(m):
        return None
    resource = {
        "resourceType": "Practitioner",
        "id": resource_id("Practitioner", m.id),
        "meta": _meta(m),
        "identifier": _member_identifier(m),
        "active": bool(m.active),
        "name": [{"text": m.name}],
    }
    telecom = _telecom(m)
    if telecom:
        resource["telecom"] = telecom
    return resource


def _specialties(names) -> list[dict]:
    return [{"text": name} for name in names]


def practitioner_role(m, specialties=()) -> dict:
    """The member as a party to referrals: requester and performer point here."""
    resource = {
        "resourceType": "PractitionerRole",
        "id": resource_id("PractitionerRole", m.id),
        "meta": _meta(m),
        "identifier": _member_identifier(m),
        "active": bool(m.active),
        "organization": ref("Organization", m.id),
        "healthcareService": [ref("HealthcareService", m.id)],
    }
    if is_person(m):
        resource["practitioner"] = ref("Practitioner", m.id)
    if specialties:
        resource["specialty"] = _specialties(specialties)
    telecom = _telecom(m)
    if telecom:
        resource["telecom"] = telecom
    return resource


def healthcare_service(m, specialties=()) -> dict:
    """What the member offers in the directory: its specialties and whether it accepts."""
    accepting = bool(m.accepting and m.active)
    resource = {
        "resourceType": "HealthcareService",
        "id": resource_id("HealthcareService", m.id),
        "meta": _meta(m),
        "identifier": _member_identifier(m),
        "active": bool(m.active),
        "providedBy": ref("Organization", m.id),
        "name": m.name,
        "characteristic": [ACCEPTING if accepting else NOT_ACCEPTING],
        "referralMethod": ELECTRONIC_REFERRALS,
    }
    if specialties:
        resource["specialty"] = _specialties(specialties)
    if not accepting:
        resource["availabilityExceptions"] = "Not accepting new referrals"
    telecom = _telecom(m)
    if telecom:
        resource["telecom"] = telecom
    return resource


def member_resources(m, specialties=()) -> list[dict]:
    found = [
        organization(m),
        practitioner(m),
        practitioner_role(m, specialties),
        healthcare_service(m, specialties),
    ]
    return [resource for resource in found if resource is not None]
