"""Sign in, sign out, accept an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.service import record
from app.auth.forms import SetPasswordForm, SignInForm
from app.auth.mfa import sign_in_step
from app.auth.mfa_pending import begin_pending
from app.auth.service import SignInError, SignInThrottled, check_password, complete_sign_in
from app.auth.sessions import (
    current_session,
    end_own_session,
    end_session,
    end_sessions_of,
    sessions_of,
    start_session,
)
from app.extensions import db
from app.forms import ConfirmForm, form_status
from app.operations.proxy import client_address
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
            user = check_password(form.email.data, form.password.data, client_address() or "-")
        except SignInThrottled as exc:
            db.session.commit()
            form.form_errors.append(str(exc))
            status = 429
        except SignInError as exc:
            db.session.commit()  # keep the audit row of the failure
            form.form_errors.append(str(exc))
            status = 401
        else:
            next_url = _safe_next(request.args.get("next"))
            step = sign_in_step(user)
            if step is not None:
                # Not signed in yet: the second factor first (app/auth/mfa_pending.py).
                begin_pending(user, step, next_url)
                db.session.commit()
                return redirect(url_for("mfa.code" if step == "code" else "mfa.enrol_at_sign_in"))
            complete_sign_in(user)
            start_session(user)  # a fresh session on sign-in: no fixation
            db.session.commit()
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("sign-out", "user", current_user.id)
    end_session()
    db.session.commit()
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
            if (step := sign_in_step(user)) is not None:  # a second factor is due
                begin_pending(user, step, url_for("dashboard.index"))
                db.session.commit()
                flash("Your password is set. Now the second step of signing in.", "success")
                return redirect(url_for("mfa.code" if step == "code" else "mfa.enrol_at_sign_in"))
            start_session(user)
            db.session.commit()
            flash("Your password is set. Welcome to refnet.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/invite.html", form=form, user=user), form_status()


@bp.route("/account/sessions")
@login_required
def sessions():
    """The user's signed-in sessions, this one first; each can be ended."""
    rows = sessions_of(current_user)
    this = current_session()
    rows.sort(key=lambda row: this is None or row.id != this.id)
    return render_template("auth/sessions.html", rows=rows, this=this, end_form=ConfirmForm())


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_one_session(session_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    this = current_session()
    if this is not None and this.id == session_id:
        return logout()
    if not end_own_session(current_user, session_id):
        abort(404)
    record("end-session", "user", current_user.id)
    db.session.commit()
    flash("That session is ended: it is signed out.", "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = end_sessions_of(current_user, keep=current_session())
    record("end-sessions", "user", current_user.id, detail=f"ended={ended}")
    db.session.commit()
    flash(f"Signed out everywhere else ({ended} other session(s) ended).", "success")
    return redirect(url_for("auth.sessions"))
