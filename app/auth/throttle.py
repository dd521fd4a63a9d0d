"""Throttle failed sign-ins (the `limits` library), so that guessing is slow and nobody can
lock someone else out.

- per account *and* address: the guesser at one address is stopped (LOGIN_LIMIT_PAIR);
- per address, whatever the account (LOGIN_LIMIT_ADDRESS);
- per account across addresses (LOGIN_LIMIT_ACCOUNT): past it the account is *slowed*, not
  locked: attempts from anywhere pass at LOGIN_SLOW_RATE, so its owner can still sign in
  (a few seconds later), and the owner is told by e-mail, once per window.

Five wrong passwords from one address used to lock the owner out from everywhere.

The counters live where RATELIMIT_STORAGE_URI says: memory:// counts in this process only;
redis://… (the `redis` package) makes every worker and node count together, as they must
behind a load balancer. The address is the client's (app/operations/proxy.py).
"""

from __future__ import annotations

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    """`kind` names the counters: "login" for passwords, "mfa" for second-factor codes."""

    def __init__(
        self,
        storage_uri: str,
        *,
        per_pair: str,
        per_address: str,
        per_account: str,
        slow: str,
        kind: str = "login",
    ) -> None:
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._kind = kind
        self._pair = parse(per_pair)
        self._address = parse(per_address)
        self._account = parse(per_account)
        self._slow = parse(slow)
        # One warning e-mail to the owner per window of the account limit.
        self._notice = parse(f"1 per {per_account.partition(' per ')[2]}")

    def storage_reachable(self) -> bool:
        """The counters' storage answers (/readyz)."""
        return bool(self._storage.check())

    def _locks(self, email: str, address: str):
        return (
            (self._pair, f"{self._kind}-pair", email, address),
            (self._address, f"{self._kind}-ip", address),
        )

    def slowed(self, email: str) -> bool:
        """True while the account has had too many failures across addresses."""
        return not self._limiter.test(self._account, f"{self._kind}-account", email)

    def allowed(self, email: str, address: str) -> bool:
        return self.refusal(email, address) is None

    def refusal(self, email: str, address: str) -> str | None:
        """Why this attempt may not be checked: "locked" (this address waits out the window),
        "slowed" (the account takes one attempt per slow period), or None."""
        email = email.lower()
        if not all(self._limiter.test(limit, *key) for limit, *key in self._locks(email, address)):
            return "locked"
        if self.slowed(email) and not self._limiter.hit(self._slow, f"{self._kind}-slow", email):
            return "slowed"
        return None

    def failed(self, email: str, address: str) -> bool:
        """Count a failure; True when the owner should now be told (once per window)."""
        email = email.lower()
        for limit, *key in self._locks(email, address):
            self._limiter.hit(limit, *key)
        self._limiter.hit(self._account, f"{self._kind}-account", email)
        return self.slowed(email) and self._limiter.hit(self._notice, f"{self._kind}-notice", email)

    def succeeded(self, email: str, address: str) -> None:
        self._limiter.clear(self._pair, f"{self._kind}-pair", email.lower(), address)


def init_throttle(app) -> None:
    config = app.config
    app.extensions["login_throttle"] = LoginThrottle(
        config["RATELIMIT_STORAGE_URI"],
        per_pair=config["LOGIN_LIMIT_PAIR"],
        per_address=config["LOGIN_LIMIT_ADDRESS"],
        per_account=config["LOGIN_LIMIT_ACCOUNT"],
        slow=config["LOGIN_SLOW_RATE"],
    )
    app.extensions["mfa_throttle"] = LoginThrottle(
        config["RATELIMIT_STORAGE_URI"],
        per_pair=config["MFA_LIMIT_PAIR"],
        per_address=config["MFA_LIMIT_ADDRESS"],
        per_account=config["MFA_LIMIT_ACCOUNT"],
        slow=config["MFA_SLOW_RATE"],
        kind="mfa",
    )


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def mfa_throttle() -> LoginThrottle:
    """The same rules for wrong second-factor codes, on counters of their own."""
    return current_app.extensions["mfa_throttle"]
