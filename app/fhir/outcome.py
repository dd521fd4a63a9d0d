"""FHIR errors: an OperationOutcome with the HTTP status, for every refusal under /fhir."""

from __future__ import annotations

import json

from flask import Response

FHIR_JSON = "application/fhir+json; charset=utf-8"

# HTTP status -> OperationOutcome.issue.code (issue-type value set).
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


class FhirError(Exception):
    """A refusal of the FHIR endpoints: status, issue code and what is wrong."""

    def __init__(self, status: int, diagnostics: str, expression: str | None = None) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.expression = expression


def operation_outcome(status: int, diagnostics: str, expression: str | None = None) -> dict:
    issue = {
        "severity": "error" if status < 500 else "fatal",
        "code": ISSUE_CODES.get(status, "exception"),
        "diagnostics": diagnostics,
    }
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=None)
    response.headers["Content-Type"] = FHIR_JSON
    response.headers["Cache-Control"] = "no-store"  # client data: never in a shared cache
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def outcome_response(status: int, diagnostics: str, expression: str | None = None) -> Response:
    response = fhir_response(operation_outcome(status, diagnostics, expression), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="refnet FHIR"'
    return response
