"""Signing in: one path for the sign-in form (and, later, any other front door)."""

from __future__ import annotations

from app.audit.service import record
from app.auth.passwords import verify_password
from app.auth.throttle import login_throttle
from app.models import User, utcnow
from app.users.service import find_by_email

# Never say whether the e-mail exists: one message for every failure.
BAD_CREDENTIALS = "That e-mail and password do not match an active account."
THROTTLED = "Too many failed attempts. Wait a few minutes before trying again."


class SignInError(Exception):
    pass


class SignInThrottled(SignInError):
    pass


def authenticate(email: str, password: str, address: str) -> User:
    """The active user with these credentials, or SignInError; failures are throttled."""
    throttle = login_throttle()
    email = email.strip().lower()
    if not throttle.allowed(email, address):
        raise SignInThrottled(THROTTLED)
    user = find_by_email(email)
    # Always verify (a dummy hash when the user is unknown), so timing tells nothing either.
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.failed(email, address)
        record("sign-in-failed", "user", user.id if user else None, user=user)
        raise SignInError(BAD_CREDENTIALS)
    throttle.succeeded(email)
    user.last_login_at = utcnow()
    record("sign-in", "user", user.id, user=user)
    return user
