"""Why a referral action was refused; each error knows its HTTP status and API code."""

from __future__ import annotations

from app.refusals import Forbidden, Invalid, NotFound, Refusal, Stale


class ReferralError(Refusal):
    """A refusal about a referral (status and code come from the kind of refusal)."""


class ReferralNotFound(ReferralError, NotFound):
    pass


class ActionForbidden(ReferralError, Forbidden):
    pass


class StaleReferral(ReferralError, Stale):
    def __init__(self, message: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(
            message or "This referral has changed since you loaded it. Reload it and try again.",
            fields,
        )


class TransitionNotAllowed(ReferralError):
    status, code = 422, "invalid_transition"


class InvalidReferral(ReferralError, Invalid):
    """One or more fields are wrong; `fields` maps each to its message."""


class PossibleDuplicate(ReferralError):
    """The same client was sent to the same receiver lately; the sender must confirm."""

    status, code = 422, "possible_duplicate"
