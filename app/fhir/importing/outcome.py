"""What an import refused, and why: ImportRefused carries OperationOutcome issues
(app/fhir/outcome.py spells them) and the HTTP status to answer with."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.fhir.outcome import Issue


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
