"""Why a service refused: one family of errors that pages, the API and the CLI all translate.

A service raises; a view turns the refusal into its page or flash, the API into its error
shape (`status`, `code`, `message`, `fields`), the CLI into a message. No service calls
`abort()`, so a refusal means the same thing whoever called.
"""

from __future__ import annotations


class Refusal(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(Refusal):
    """No such record, or one the caller may not know exists."""

    status, code = 404, "not_found"


class Forbidden(Refusal):
    """The caller may see the record but not do this to it."""

    status, code = 403, "forbidden"


class Stale(Refusal):
    """The record changed since the caller read it."""

    status, code = 409, "stale"


class Invalid(Refusal):
    """One or more values are wrong; `fields` maps each field to its message."""

    status, code = 422, "invalid"
