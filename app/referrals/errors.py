"""Why a referral action was refused; each error knows its HTTP status and API code."""

from __future__ import annotations


class ReferralError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ReferralNotFound(ReferralError):
    status, code = 404, "not_found"


class ActionForbidden(ReferralError):
    status, code = 403, "forbidden"


class StaleReferral(ReferralError):
    status, code = 409, "stale"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(
            message or "This referral has changed since you loaded it. Reload it and try again.",
            fields,
        )


class TransitionNotAllowed(ReferralError):
    status, code = 422, "invalid_transition"


class InvalidReferral(ReferralError):
    """One or more fields are wrong; `fields` maps each to its message."""

    status, code = 422, "invalid"


class PossibleDuplicate(ReferralError):
    """The same client was sent to the same receiver lately; the sender must confirm."""

    status, code = 422, "possible_duplicate"
