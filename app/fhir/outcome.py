"""OperationOutcome, the one place that spells it: for every refusal under /fhir (one issue
from the HTTP status) and for what an import refused or noted (app/fhir/importing).

Each issue carries a severity, a code of http://hl7.org/fhir/issue-type, a sentence for the
person who reads it (`diagnostics`) and where (`expression`, FHIRPath into the posted Bundle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Issue:
    diagnostics: str
    code: str = "invalid"  # http://hl7.org/fhir/issue-type
    expression: str | None = None
    severity: str = "error"  # fatal | error | warning | information

    @classmethod
    def of_status(cls, status: int, diagnostics: str, expression: str | None = None) -> Issue:
        """The issue of a refusal answered with this HTTP status."""
        severity = "error" if status < 500 else "fatal"
        return cls(diagnostics, ISSUE_CODES.get(status, "exception"), expression, severity)

    def as_fhir(self) -> dict:
        issue = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


def operation_outcome(issues: list[Issue]) -> dict:
    """The OperationOutcome of these issues; "All OK" when there is none."""
    if not issues:
        issues = [Issue("All OK", "informational", severity="information")]
    return {"resourceType": "OperationOutcome", "issue": [i.as_fhir() for i in issues]}


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=None)
    response.headers["Content-Type"] = FHIR_JSON
    response.headers["Cache-Control"] = "no-store"  # client data: never in a shared cache
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def outcome_response(status: int, diagnostics: str, expression: str | None = None) -> Response:
    issue = Issue.of_status(status, diagnostics, expression)
    response = fhir_response(operation_outcome([issue]), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="refnet FHIR"'
    return response
