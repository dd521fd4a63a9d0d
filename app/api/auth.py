"""Who is calling: a bearer token, or the signed-in browser session.

A bearer token wins when the header is present: a bad token is refused even when a session
cookie comes along. Session requests that change data must be JSON (`application/json`),
which a page on another site cannot send without a CORS preflight that refnet never
grants: that is the API's CSRF protection, as the blueprint is exempt from the form tokens.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.api.errors import ApiError
from app.api.registry import is_public
from app.extensions import db
from app.models import User
from app.tokens.service import verify_token

# Request bodies of the API are small JSON objects; the app's limit is sized for uploads.
MAX_BODY_BYTES = 64 * 1024
UNAUTHORIZED = "Sign in, or send a valid token as Authorization: Bearer <token>."


def _bearer_user(header: str) -> User:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "Send the token as Authorization: Bearer <token>.")
    user = verify_token(secret.strip())
    if user is None:
        db.session.rollback()
        raise ApiError(
            401, "unauthorized", "The token is unknown, revoked, or its user is inactive."
        )
    if db.session.dirty:
        # Keep last_used_at whatever the request does next; a commit expires the user, so
        # only when there is something to keep (once a minute, not on every request).
        db.session.commit()
    return user


def authenticate() -> None:
    """before_request of the API: sets g.api_user, or refuses with 401."""
    request.max_content_length = MAX_BODY_BYTES
    if is_public(request.endpoint):
        return
    header = request.headers.get("Authorization")
    if header is not None:
        g.api_user = _bearer_user(header)
        g.api_auth = "bearer"
        return
    if not current_user.is_authenticated or not current_user.is_active:
        raise ApiError(401, "unauthorized", UNAUTHORIZED)
    g.api_user = current_user._get_current_object()
    g.api_auth = "session"


def api_user() -> User:
    return g.api_user
