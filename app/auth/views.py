"""Sign in, sign out, accept an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.audit.service import record
from app.auth.forms import SetPasswordForm, SignInForm
from app.auth.service import SignInError, SignInThrottled, authenticate
from app.extensions import db
from app.users.service import UserError, set_password, user_from_invite

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would hand the session to a phishing page."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "-")
        except SignInThrottled as exc:
            db.session.commit()
            form.form_errors.append(str(exc))
            status = 429
        except SignInError as exc:
            db.session.commit()  # keep the audit row of the failure
            form.form_errors.append(str(exc))
            status = 401
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("sign-out", "user", current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        user = user_from_invite(token)
    except UserError as exc:
        return render_template("auth/invite_invalid.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data)
        except UserError as exc:
            form.password.errors.append(str(exc))
        else:
            record("set-password", "user", user.id, user=user)
            db.session.commit()
            session.clear()
            login_user(user)
            flash("Your password is set. Welcome to refnet.", "success")
            return redirect(url_for("dashboard.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/invite.html", form=form, user=user), status
