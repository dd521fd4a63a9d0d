"""The answer to an import: a transaction-response Bundle naming the ServiceRequest made.

The ServiceRequest's logical id is "sr-<referral id>", as the /fhir reads and the export name
it (fhirout's app/fhir/ids.py: the lead may switch to its resource_id at merge); the refnet
referral id also travels in X-Refnet-Referral and in the entry's outcome.
"""

from __future__ import annotations

from flask import Response, current_app

from app.fhir.ids import resource_id
from app.fhir.outcome import Issue, fhir_response, operation_outcome
from app.models import Referral


def service_request_id(referral: Referral) -> str:
    return resource_id("ServiceRequest", referral.id)


def import_answer(referral: Referral, created: bool, warnings: list[Issue]) -> dict:
    said = "sent" if created else "already imported (this identifier was posted before)"
    note = Issue(f"refnet referral {referral.id}: {said}.", "informational", severity="information")
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {
                "fullUrl": f"{fhir_base()}/ServiceRequest/{service_request_id(referral)}",
                "response": {
                    "status": "201 Created" if created else "200 OK",
                    "location": f"ServiceRequest/{service_request_id(referral)}"
                    f"/_history/{referral.version}",
                    "outcome": operation_outcome([note, *warnings]),
                },
            }
        ],
    }


def fhir_base() -> str:
    return current_app.config["BASE_URL"] + "/fhir"


def import_response(referral: Referral, created: bool, warnings: list[Issue]) -> Response:
    body = import_answer(referral, created, warnings)
    return fhir_response(
        body,
        201 if created else 200,
        {
            "Location": f"{fhir_base()}/ServiceRequest/{service_request_id(referral)}",
            "X-Refnet-Referral": str(referral.id),
        },
    )
