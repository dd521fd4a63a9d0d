"""Rate limits of the public link pages, per address (the `limits` library, as the sign-in
throttle in app/auth/throttle.py, in RATELIMIT_STORAGE_URI): opening links and trying codes
(LINK_OPEN_LIMIT, every request; enumeration stays slow), and intakes that made a referral
(LINK_INTAKE_LIMIT)."""

from __future__ import annotations

from flask import current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LinkThrottle:
    def __init__(self, storage_uri: str, *, per_open: str, per_intake: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._open = parse(per_open)
        self._intake = parse(per_intake)

    def may_open(self, address: str) -> bool:
        """Counts this opening; False past the limit."""
        return self._limiter.hit(self._open, "link-open", address)

    def may_send(self, address: str) -> bool:
        """False when this address sent its quota of intakes (counted by `sent`). Refused
        posts write nothing and count against the opening limit only."""
        return self._limiter.test(self._intake, "link-intake", address)

    def sent(self, address: str) -> None:
        self._limiter.hit(self._intake, "link-intake", address)


def init_link_throttle(app) -> None:
    app.extensions["link_throttle"] = LinkThrottle(
        app.config["RATELIMIT_STORAGE_URI"],
        per_open=app.config["LINK_OPEN_LIMIT"],
        per_intake=app.config["LINK_INTAKE_LIMIT"],
    )


def link_throttle() -> LinkThrottle:
    return current_app.extensions["link_throttle"]


def visitor_address() -> str:
    """The address the sign-in throttle and the audit read: one function for both."""
    return request.remote_addr or "-"
