"""The CapabilityStatement of /fhir/metadata: only what refnet really serves."""

from __future__ import annotations

from app.fhir.ids import PREFIX
from app.fhir.reads import READABLE
from app.fhir.search import SEARCHABLE

BUNDLE_OPERATION = "https://refnet.example.org/fhir/OperationDefinition/ServiceRequest-bundle"
EXPORT_OPERATION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
SEARCH_PARAMETERS = [
    {
        "name": "patient",
        "type": "reference",
        "documentation": "Patient/pat-<id>: the referrals of one client.",
    },
    {
        "name": "status",
        "type": "token",
        "documentation": "The resource's own status codes, comma-separated for any of them.",
    },
    {
        "name": "_lastUpdated",
        "type": "date",
        "documentation": "With the prefixes eq, gt, ge, lt, le; repeat for a range.",
    },
    {"name": "_count", "type": "number", "documentation": "Page size, 50 by default, 500 at most."},
]


def capability_statement(base_url: str, date: str, software_version: str = "1") -> dict:
    resources = []
    for resource_type in sorted(READABLE):
        entry = {
            "type": resource_type,
            "interaction": [{"code": "read"}],
            "readHistory": False,
            "updateCreate": False,
        }
        if resource_type in SEARCHABLE:
            entry["interaction"].append({"code": "search-type"})
            entry["searchParam"] = SEARCH_PARAMETERS
        if resource_type == "ServiceRequest":
            entry["operation"] = [
                {
                    "name": "bundle",
                    "definition": BUNDLE_OPERATION,
                    "documentation": "GET /fhir/ServiceRequest/<id>/$bundle: the referral and "
                    "everything it references (Task, Patient, both sides, visits, messages) "
                    "as a collection Bundle.",
                }
            ]
        resources.append(entry)
    assert set(READABLE) == set(PREFIX)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "refnet",
        "kind": "instance",
        "software": {"name": "refnet", "version": software_version},
        "implementation": {"description": "refnet FHIR R4 endpoint", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Clinical referrals of refnet, read-only, with the access "
                "rules of the app: a practitioner sees its members' referrals, a "
                "coordinator its networks'.",
                "security": {
                    "cors": False,
                    "description": "Authorization: Bearer <API token> (flask tokens create).",
                },
                "resource": resources,
                # POST /fhir (app/fhir/importing): an eReferral Bundle becomes a referral.
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "POST /fhir with a transaction or message Bundle "
                        "(an eReferral in the style of HL7 BSeR): a referral in sent.",
                    }
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": EXPORT_OPERATION,
                        "documentation": "GET /fhir/$export with Prefer: respond-async: "
                        "a Bulk Data export of what the caller may see.",
                    }
                ],
            }
        ],
    }
