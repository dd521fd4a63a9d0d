"""OperationOutcome: what an import refused, and why, as FHIR R4 says it.

Each issue carries a severity, a code of http://hl7.org/fhir/issue-type, a sentence for the
person who reads it (`diagnostics`) and where (`expression`, FHIRPath into the posted Bundle).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    diagnostics: str
    code: str = "invalid"  # http://hl7.org/fhir/issue-type
    expression: str | None = None
    severity: str = "error"  # fatal | error | warning | information

    def as_fhir(self) -> dict:
        issue = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class ImportRefused(Exception):
    """The Bundle cannot become a referral; `status` is the HTTP status to answer with."""

    issues: list[Issue]
    status: int = 422
    warnings: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(issue.diagnostics for issue in self.issues)


def refuse(diagnostics: str, code: str = "invalid", expression: str | None = None, status=422):
    return ImportRefused([Issue(diagnostics, code, expression)], status)


def operation_outcome(issues: list[Issue]) -> dict:
    if not issues:
        issues = [Issue("All OK", "informational", severity="information")]
    return {"resourceType": "OperationOutcome", "issue": [i.as_fhir() for i in issues]}
