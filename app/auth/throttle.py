"""Throttle failed sign-ins per account and per client address (the `limits` library)."""

from __future__ import annotations

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(self, storage_uri: str, per_account: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._account = parse(per_account)
        self._address = parse(per_address)

    def _keys(self, email: str, address: str):
        return (
            (self._account, "login-account", email.lower()),
            (self._address, "login-ip", address),
        )

    def allowed(self, email: str, address: str) -> bool:
        return all(self._limiter.test(limit, *key) for limit, *key in self._keys(email, address))

    def failed(self, email: str, address: str) -> None:
        for limit, *key in self._keys(email, address):
            self._limiter.hit(limit, *key)

    def succeeded(self, email: str) -> None:
        self._limiter.clear(self._account, "login-account", email.lower())


def init_throttle(app) -> None:
    app.extensions["login_throttle"] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URI"],
        app.config["LOGIN_LIMIT_ACCOUNT"],
        app.config["LOGIN_LIMIT_ADDRESS"],
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]
