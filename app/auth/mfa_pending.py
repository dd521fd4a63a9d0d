"""The half-way state of a sign-in: the password was right, the second factor is awaited.

Kept in the signed session cookie, not as a signed-in session: the user is NOT logged in
(no `user_session` row, Flask-Login knows nobody) until the code is right. The state names
the user, binds their current password hash (a password change voids it), and lasts
PENDING_MAX_AGE; `start_session` clears it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import session

from app.extensions import db
from app.models import User, utcnow

PENDING = "mfa_pending"
PENDING_MAX_AGE = timedelta(minutes=10)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def begin_pending(user: User, step: str, next_url: str) -> None:
    """Remember who passed the password check and what they must do next."""
    session.clear()  # nothing of an earlier session carries over
    session[PENDING] = {
        "user": user.id,
        "fp": _fingerprint(user),
        "step": step,
        "next": next_url,
        "at": utcnow().timestamp(),
    }


def pending_user(step: str) -> User | None:
    """The user half-way through signing in at this step; None when there is none, it is
    stale, or the account changed since."""
    state = session.get(PENDING)
    if not isinstance(state, dict) or state.get("step") != step:
        return None
    at = state.get("at")
    age = utcnow().timestamp() - at if isinstance(at, (int, float)) else None
    if age is None or age > PENDING_MAX_AGE.total_seconds():
        return None
    user_id = state.get("user")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or state.get("fp") != _fingerprint(user):
        return None
    return user


def pending_next() -> str | None:
    state = session.get(PENDING)
    return state.get("next") if isinstance(state, dict) else None


def drop_pending() -> None:
    session.pop(PENDING, None)
