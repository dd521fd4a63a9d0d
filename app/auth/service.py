"""Signing in: one path for the sign-in form (and, later, any other front door)."""

from __future__ import annotations

from app.audit.service import record
from app.auth.passwords import verify_password
from app.auth.throttle import login_throttle
from app.mail.outbox import queue_email
from app.models import User, utcnow
from app.users.service import find_by_email

# Never say whether the e-mail exists: one message for every failure.
BAD_CREDENTIALS = "That e-mail and password do not match an active account."
THROTTLED = "Too many failed attempts. Wait a few minutes before trying again."
# The account is slowed, not locked (app/auth/throttle.py): its owner only waits seconds.
SLOWED = "Too many failed attempts for this account. Wait a few seconds and try again."


class SignInError(Exception):
    pass


class SignInThrottled(SignInError):
    pass


def authenticate(email: str, password: str, address: str) -> User:
    """The active user with these credentials, signed in, or SignInError (no second factor:
    the sign-in page asks app/auth/mfa.py whether one is due, then calls the two halves)."""
    user = check_password(email, password, address)
    complete_sign_in(user)
    return user


def check_password(email: str, password: str, address: str) -> User:
    """The active user with these credentials, or SignInError; failures are throttled."""
    throttle = login_throttle()
    email = email.strip().lower()
    refusal = throttle.refusal(email, address)
    if refusal is not None:
        raise SignInThrottled(SLOWED if refusal == "slowed" else THROTTLED)
    user = find_by_email(email)
    # Always verify (a dummy hash when the user is unknown), so timing tells nothing either.
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if throttle.failed(email, address) and user is not None and user.has_password:
            _tell_owner(user)
        record("sign-in-failed", "user", user.id if user else None, user=user)
        raise SignInError(BAD_CREDENTIALS)
    throttle.succeeded(email, address)
    return user


def complete_sign_in(user: User) -> None:
    """Every factor was right: note the sign-in (the caller starts the session)."""
    user.last_login_at = utcnow()
    record("sign-in", "user", user.id, user=user)


def _tell_owner(user: User) -> None:
    """Queue a warning to the account's owner: many failed sign-ins, from several places."""
    queue_email(
        user.email,
        "refnet: many failed sign-ins to your account",
        f"Hello {user.name},\n\nThere have been many failed attempts to sign in to your refnet "
        "account, from several addresses. refnet now slows further attempts down; you can "
        "still sign in, perhaps after a few seconds.\n\nIf it was not you, nothing more is "
        "needed while your password is long and not used elsewhere. If you think someone "
        "knows it, set a new one (ask your coordinator) and sign out your other sessions "
        "from the Sessions page.\n",
    )
