"""eReferral Bundles in the style of HL7 BSeR's published examples (written for refnet's
tests: a message Bundle with MessageHeader → Task → ServiceRequest, PractitionerRoles named
by NPI, Coverage, Consent and a nested document Bundle; a transaction Bundle with urn:uuid
fullUrls). Each builder returns a fresh dict that a test may spoil."""

from __future__ import annotations

import copy

NPI = "http://hl7.org/fhir/sid/us-npi"
BASE = "http://example.org/fhir"


def _patient(birth="1974-11-24"):
    return {
        "resourceType": "Patient",
        "id": "patient-eve",
        "extension": [
            {
                "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
                "extension": [
                    {
                        "url": "ombCategory",
                        "valueCoding": {
                            "system": "urn:oid:2.16.840.1.113883.6.238",
                            "code": "2106-3",
                        },
                    },
                    {"url": "text", "valueString": "White"},
                ],
            },
            {
                "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                "valueCode": "F",
            },
        ],
        "identifier": [
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-99-9999"},
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": "http://hospital.example.org",
                "value": "MRN-1032702",
            },
        ],
        "name": [{"family": "Everywoman", "given": ["Eve", "L"]}],
        "telecom": [
            {"system": "phone", "value": "1-(404)555-1212", "use": "home"},
            {"system": "email", "value": "eve.everywoman@example.com"},
        ],
        "gender": "female",
        "birthDate": birth,
    }


def _role(rid, npi, practitioner, org="organization-saint-luke"):
    return {
        "resourceType": "PractitionerRole",
        "id": rid,
        "identifier": [{"system": NPI, "value": npi}],
        "practitioner": {"reference": f"Practitioner/{practitioner}"},
        "organization": {"reference": f"Organization/{org}"},
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "419772000"}]}],
    }


def _service_request(identifier="88888888"):
    request = {
        "resourceType": "ServiceRequest",
        "id": "servicerequest-arthritis",
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "313204009",
                        "display": "Lifestyle education (procedure)",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "3457005",
                    "display": "Patient referral",
                }
            ]
        },
        "subject": {"reference": "Patient/patient-eve", "display": "Eve Everywoman"},
        "occurrenceDateTime": "2020-01-09",
        "authoredOn": "2020-02-14",
        "requester": {"reference": "PractitionerRole/role-initiator"},
        "performer": [{"reference": "PractitionerRole/role-recipient"}],
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "3723001",
                        "display": "Arthritis (disorder)",
                    }
                ]
            }
        ],
        "insurance": [{"reference": "Coverage/coverage-eve"}],
        "supportingInfo": [
            {"reference": "Bundle/document-eve"},
            {"reference": "Consent/consent-eve"},
        ],
        "note": [{"text": "Walking program, twice a week."}],
    }
    if identifier:
        request["identifier"] = [
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PLAC"}
                    ]
                },
                "value": identifier,
                "assigner": {"reference": "Organization/organization-saint-luke"},
            }
        ]
    return request


def _document():
    """A nested document Bundle (BSeR's supporting information): Composition + Observation."""
    return {
        "resourceType": "Bundle",
        "id": "document-eve",
        "type": "document",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
        },
        "timestamp": "2020-02-14T10:00:00Z",
        "entry": [
            {
                "fullUrl": f"{BASE}/Composition/composition-eve",
                "resource": {
                    "resourceType": "Composition",
                    "id": "composition-eve",
                    "status": "final",
                    "type": {"coding": [{"system": "http://loinc.org", "code": "57133-1"}]},
                    "subject": {"reference": "Patient/patient-eve"},
                    "date": "2020-02-14",
                    "author": [{"reference": "PractitionerRole/role-initiator"}],
                    "title": "Referral note",
                },
            },
            {
                "fullUrl": f"{BASE}/Observation/bmi-eve",
                "resource": {
                    "resourceType": "Observation",
                    "id": "bmi-eve",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
                    "subject": {"reference": "Patient/patient-eve"},
                    "valueQuantity": {"value": 31.2, "unit": "kg/m2"},
                },
            },
        ],
    }


def message_bundle(
    sender_npi="1111111111", receiver_npi="2222222222", identifier="88888888", consent=True
) -> dict:
    """A BSeR referral message: MessageHeader (focus → Task → ServiceRequest) first."""
    resources = [
        {
            "resourceType": "MessageHeader",
            "id": "messageheader-referral",
            "eventCoding": {
                "system": "http://terminology.hl7.org/CodeSystem/v2-0003",
                "code": "I12",
                "display": "REF/RRI - Patient referral",
            },
            "destination": [
                {
                    "endpoint": "http://recipient.example.org/fhir/endpoint",
                    "receiver": {"reference": "PractitionerRole/role-recipient"},
                }
            ],
            "sender": {"reference": "PractitionerRole/role-initiator"},
            "source": {"name": "Acme EHR", "endpoint": "http://sender.example.org/fhir"},
            "focus": [{"reference": "Task/task-referral"}],
        },
        _service_request(identifier),
        _patient(),
        {
            "resourceType": "Task",
            "id": "task-referral",
            "status": "requested",
            "intent": "order",
            "code": {
                "coding": [
                    {"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}
                ]
            },
            "focus": {"reference": "ServiceRequest/servicerequest-arthritis"},
            "for": {"reference": "Patient/patient-eve"},
            "authoredOn": "2020-02-14",
            "requester": {"reference": "PractitionerRole/role-initiator"},
            "owner": {"reference": "PractitionerRole/role-recipient"},
        },
        _role("role-initiator", sender_npi, "practitioner-henry"),
        _role("role-recipient", receiver_npi, "practitioner-hailey"),
        {
            "resourceType": "Practitioner",
            "id": "practitioner-henry",
            "name": [{"family": "Seven", "given": ["Henry"]}],
        },
        {
            "resourceType": "Practitioner",
            "id": "practitioner-hailey",
            "name": [{"family": "Eight", "given": ["Hailey"]}],
        },
        {
            "resourceType": "Organization",
            "id": "organization-saint-luke",
            "identifier": [{"system": NPI, "value": "9999999999"}],
            "name": "Saint Luke's",
        },
        {
            "resourceType": "Coverage",
            "id": "coverage-eve",
            "status": "active",
            "beneficiary": {"reference": "Patient/patient-eve"},
            "payor": [{"reference": "Organization/organization-saint-luke"}],
        },
        _document(),
    ]
    if consent:
        resources.append(
            {
                "resourceType": "Consent",
                "id": "consent-eve",
                "status": "active",
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "patient-privacy",
                        }
                    ]
                },
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                "code": "INFA",
                            }
                        ]
                    }
                ],
                "patient": {"reference": "Patient/patient-eve"},
                "dateTime": "2019-05-23",
                "policyRule": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": "OPTIN",
                        }
                    ]
                },
                "provision": {"type": "permit"},
            }
        )
    return {
        "resourceType": "Bundle",
        "id": "bundle-referral-message",
        "type": "message",
        "timestamp": "2020-02-14T10:00:00Z",
        "entry": [
            {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": copy.deepcopy(r)}
            for r in resources
        ],
    }


def transaction_bundle(sender_system, sender_value, receiver_system, receiver_value) -> dict:
    """A transaction Bundle with urn:uuid fullUrls and references, a contained Practitioner,
    and the receiver named by a logical reference (identifier only)."""
    patient = _patient()
    patient.pop("id")
    request = _service_request("SR-2024-0042")
    request.pop("id")
    request["identifier"][0]["system"] = "http://sender.example.org/orders"
    request["subject"] = {"reference": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000001"}
    request["requester"] = {"reference": "#initiator"}
    request["contained"] = [
        {
            "resourceType": "PractitionerRole",
            "id": "initiator",
            "identifier": [{"system": sender_system, "value": sender_value}],
        }
    ]
    request["performer"] = [
        {"identifier": {"system": receiver_system, "value": receiver_value}, "display": "Cardio"}
    ]
    request["supportingInfo"] = [{"reference": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000003"}]
    request.pop("insurance")
    request["code"] = {"text": "Cardiology consult"}
    consent = message_bundle()["entry"][-1]["resource"]
    consent.pop("id")
    consent["patient"] = {"reference": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000001"}
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000002",
                "resource": request,
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
            {
                "fullUrl": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000001",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:3f1e4c6a-0000-4000-8000-000000000003",
                "resource": consent,
                "request": {"method": "POST", "url": "Consent"},
            },
        ],
    }
