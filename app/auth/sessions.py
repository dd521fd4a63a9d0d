"""Flask-Login wiring, idle time-out and security headers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.auth.throttle import init_throttle
from app.extensions import db, login_manager


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    init_throttle(app)
    app.before_request(_end_idle_session)
    app.after_request(_security_headers)


@login_manager.user_loader
def _load_user(user_id: str):
    from app.models import User

    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def _end_idle_session():
    """Sign out a session that has been idle longer than IDLE_TIMEOUT."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen")
    if (
        last_seen is not None
        and now - last_seen > current_app.config["IDLE_TIMEOUT"].total_seconds()
    ):
        logout_user()
        session.clear()
        flash("You were signed out after a period of inactivity.", "info")
        if request.path.startswith("/api/"):
            return None
        return redirect(url_for("auth.login", next=request.full_path))
    session["last_seen"] = now
    session.permanent = True
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
    if response.mimetype == "text/html":
        # Pages carry client data: never keep them in a shared cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
