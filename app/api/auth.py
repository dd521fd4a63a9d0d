"""Who is calling: a bearer token, or the signed-in browser session.

A bearer token wins when the header is present: a bad token is refused even when a session
cookie comes along. Session requests that change data must be JSON (`application/json`),
which a page on another site cannot send without a CORS preflight that refnet never
grants: that is the API's CSRF protection, as the blueprint is exempt from the form tokens.

A token is checked in one small SELECT of ids (`acting_for_token`); the caller's ORM user,
with its members and networks, is loaded only when a route asks for it (`api_user()`), so a
list that filters by ids alone (`api_acting()`) never builds it.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.registry import is_public
from app.auth.acting import Acting
from app.extensions import db
from app.models import User
from app.models.user import acting_user_options
from app.tokens.service import acting_for_token

# Request bodies of the API are small JSON objects; the app's limit is sized for uploads.
MAX_BODY_BYTES = 64 * 1024
UNAUTHORIZED = "Sign in, or send a valid token as Authorization: Bearer <token>."
REVOKED = "The token is unknown, revoked, or its user is inactive."


def _bearer(header: str) -> Acting:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "Send the token as Authorization: Bearer <token>.")
    found = acting_for_token(secret.strip())
    if found is None:
        db.session.rollback()
        raise ApiError(401, "unauthorized", REVOKED)
    acting, noted = found
    if noted:
        # Keep last_used_at whatever the request does next; only when there is something
        # to keep (once a minute, not on every request).
        db.session.commit()
    return acting


def authenticate() -> None:
    """before_request of the API: sets g.api_acting (and g.api_user for a session), or
    refuses with 401."""
    request.max_content_length = MAX_BODY_BYTES
    if is_public(request.endpoint):
        return
    header = request.headers.get("Authorization")
    if header is not None:
        g.api_acting = _bearer(header)
        g.api_user = None  # loaded by api_user() when a route asks for it
        g.api_auth = "bearer"
        return
    if not current_user.is_authenticated or not current_user.is_active:
        raise ApiError(401, "unauthorized", UNAUTHORIZED)
    g.api_user = g.api_acting = current_user._get_current_object()
    g.api_auth = "session"


def api_acting() -> Acting | User:
    """The caller's role, members and networks (ids): enough for lists."""
    return g.api_acting


def api_user() -> User:
    """The caller as an ORM user, loaded on first use (one SELECT with its members and
    networks, as the session's user is)."""
    user = g.get("api_user")
    if user is None:
        user = (
            db.session.scalars(
                select(User).options(*acting_user_options()).where(User.id == g.api_acting.id)
            )
            .unique()
            .one_or_none()
        )
        if user is None or not user.active:
            raise ApiError(401, "unauthorized", REVOKED)
        g.api_user = user
    return user
