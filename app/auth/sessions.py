"""Flask-Login wiring, server-side sessions, idle time-out and security headers.

A signed-in session is a row of `user_session` (app/models/user_session.py); the signed
cookie carries its random key. Signing out deletes the row, and so do deactivation, a role
change and a password change for every row of that user: a copied cookie then opens
nothing. A session table rather than a per-user counter, because people can then see their
other sessions (where, which browser, when last used) and end one of them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Select, bindparam, delete, select

from app.auth.policy import own_record, own_records
from app.auth.throttle import init_throttle
from app.errors import COMMITTED
from app.extensions import db, login_manager
from app.models import User, UserSession, utcnow
from app.models.user import acting_user_options
from app.notifications.service import keep_unread_current, remember_unread, unread_column
from app.operations.proxy import client_address

SESSION_KEY = "sid"
# Where the request's session row is kept between the user loader and the idle check.
ROW = "refnet.user_session"
# last_seen_at is written at most this often: not one UPDATE per page.
SEEN_EVERY = timedelta(minutes=1)


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    init_throttle(app)
    keep_unread_current()
    app.before_request(_end_idle_session)
    app.after_request(_security_headers)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@cache
def _session_user() -> Select:
    """The user of a session key with its members, networks and unread notifications: one
    SELECT, built once (it runs on every signed-in request)."""
    return (
        select(User, UserSession, unread_column(User.id).label("unread"))
        .options(*acting_user_options())
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == bindparam("user_id"), UserSession.key_hash == bindparam("key_hash"))
    )


@login_manager.user_loader
def _load_user(user_id: str):
    """The user of this cookie, only while its session row exists."""
    key = session.get(SESSION_KEY)
    if not user_id.isdigit() or not isinstance(key, str):
        return None
    found = (
        db.session.execute(_session_user(), {"user_id": int(user_id), "key_hash": _key_hash(key)})
        .unique()
        .first()
    )
    if found is None:
        return None
    request.environ[ROW] = found.UserSession
    remember_unread(found.User.id, found.unread)
    return found.User


def start_session(user: User) -> None:
    """Sign the user in with a fresh session (no fixation); the caller commits."""
    session.clear()
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_key_hash(key),
            address=client_address(),
            user_agent=(request.user_agent.string or "")[:200] or None,
        )
    )
    # Housekeeping: this user's sessions that idled out are gone for good.
    idle_since = utcnow() - current_app.config["IDLE_TIMEOUT"]
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < idle_since
        )
    )
    login_user(user)
    session[SESSION_KEY] = key


def current_session() -> UserSession | None:
    """The session row of this request (after the user was loaded)."""
    if not current_user.is_authenticated:
        return None
    return request.environ.get(ROW)


def end_session() -> None:
    """Sign out: this session ends on the server as well as in the browser; caller commits."""
    row = current_session()
    if row is not None:
        db.session.delete(row)
    logout_user()
    session.clear()


def end_sessions_of(user: User, *, keep: UserSession | None = None) -> int:
    """End every session of this user (but `keep`); returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    return db.session.execute(stmt).rowcount or 0


def sessions_of(user: User) -> list[UserSession]:
    """The user's sessions, the most recently seen first."""
    return own_records(user, UserSession, UserSession.last_seen_at.desc(), UserSession.id.desc())


def end_own_session(user: User, session_id: int) -> bool:
    """End one of the user's own sessions; False when it is not theirs (or gone)."""
    row = own_record(user, UserSession, session_id)
    if row is None:
        return False
    db.session.delete(row)
    return True


def _signed_out(message: str):
    logout_user()
    session.clear()
    flash(message, "info")
    if request.path.startswith("/api/"):
        return None
    return redirect(url_for("auth.login", next=request.full_path))


def _end_idle_session():
    """Sign out a session idle longer than IDLE_TIMEOUT (by the cookie and by the server)."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    idle = current_app.config["IDLE_TIMEOUT"]
    now = datetime.now(UTC)
    last_seen = session.get("last_seen")
    row = current_session()
    if (last_seen is not None and now.timestamp() - last_seen > idle.total_seconds()) or (
        row is not None and now - row.last_seen_at > idle
    ):
        if row is not None:
            db.session.delete(row)
            db.session.commit()
        return _signed_out("You were signed out after a period of inactivity.")
    # The cookie is signed and sent again only when it changes (SESSION_REFRESH_EACH_REQUEST
    # is off): once a minute, like the row, which keeps its expiry IDLE_TIMEOUT ahead of
    # activity without re-signing it on every page (docs/performance.md).
    if last_seen is None or now.timestamp() - last_seen >= SEEN_EVERY.total_seconds():
        session["last_seen"] = now.timestamp()
    if not session.permanent:
        session.permanent = True
    if row is not None and now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
        db.session.commit()  # its own unit of work, before the request's
        request.environ.pop(COMMITTED, None)  # the request itself has saved nothing yet
    return None


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS only: browsers keep to HTTPS for a year (issue 9 S7).
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        # Pages carry client data: never keep them in a shared cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
