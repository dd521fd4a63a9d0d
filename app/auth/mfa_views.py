"""Multi-factor sign-in pages: the code after the password, the forced enrolment, and the
account's Security page (enrol, recovery codes, turn off)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.mfa import (
    CodeRefused,
    confirm_enrolment,
    disable_mfa,
    enrolment_of,
    mfa_required,
    provisioning,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    start_enrolment,
    verify_second_factor,
)
from app.auth.mfa_forms import ConfirmCodeForm, DisableForm, SignInCodeForm
from app.auth.mfa_pending import pending_next, pending_user
from app.auth.service import complete_sign_in
from app.auth.sessions import start_session
from app.extensions import db
from app.models import User
from app.operations.proxy import client_address
from app.refusals import Refusal

bp = Blueprint("mfa", __name__)

SIGN_IN_AGAIN = "Please sign in again: that step took too long, or the account changed."


def _address() -> str:
    return client_address() or "-"


def _back_to_sign_in():
    flash(SIGN_IN_AGAIN, "info")
    return redirect(url_for("auth.login"))


def _finish_sign_in(user: User) -> str:
    """Both factors were right: the session starts (the pending state goes with it)."""
    from app.auth.views import _safe_next

    next_url = _safe_next(pending_next())
    complete_sign_in(user)
    start_session(user)
    db.session.commit()
    return next_url


def _refused(form, exc: Refusal) -> int:
    """Keep the audit row and the throttle's count of a refused code; say why."""
    db.session.commit()
    form.code.errors.append(exc.message)
    return exc.status if exc.status == 429 else 401


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    user = pending_user("code")
    if user is None:
        return _back_to_sign_in()
    form = SignInCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            used = verify_second_factor(user, form.code.data, _address())
        except CodeRefused as exc:
            status = _refused(form, exc)
        except Refusal:  # the enrolment was reset meanwhile
            db.session.rollback()
            return _back_to_sign_in()
        else:
            next_url = _finish_sign_in(user)
            if used == "recovery":
                left = remaining_recovery_codes(user)
                flash(
                    f"You signed in with a recovery code; {left} left. Make new ones on the "
                    "Security page if you are running out.",
                    "info",
                )
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render_template("auth/mfa_code.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol_at_sign_in():
    """The network requires a second factor and this user has none yet: before anything."""
    user = pending_user("enrol")
    if user is None:
        return _back_to_sign_in()
    return _enrol(user, at_sign_in=True)


@bp.route("/account/security/enrol", methods=["GET", "POST"])
@login_required
def enrol():
    return _enrol(current_user, at_sign_in=False)


def _enrol(user: User, *, at_sign_in: bool):
    """Showing the page makes a fresh secret (QR code and text); a right code turns it on
    and shows the recovery codes, once."""
    enrolment = enrolment_of(user)
    if enrolment is not None and enrolment.confirmed:
        flash("Multi-factor sign-in is already on.", "info")
        return redirect(url_for("mfa.security" if not at_sign_in else "auth.login"))
    form = ConfirmCodeForm()
    status = 200
    if request.method == "GET":
        enrolment = start_enrolment(user)
        db.session.commit()
    elif enrolment is None:  # a POST with no secret shown before
        return redirect(request.path)
    elif form.validate_on_submit():
        try:
            codes = confirm_enrolment(user, form.code.data, _address())
        except CodeRefused as exc:
            status = _refused(form, exc)
        else:
            if at_sign_in:
                continue_url = _finish_sign_in(user)
            else:
                db.session.commit()
                continue_url = url_for("mfa.security")
            return render_template(
                "auth/mfa_recovery_codes.html", codes=codes, continue_url=continue_url, new=True
            )
    else:
        status = 400
    return render_template(
        "auth/mfa_enrol.html",
        form=form,
        setup=provisioning(user, enrolment),
        at_sign_in=at_sign_in,
        action=url_for("mfa.enrol_at_sign_in" if at_sign_in else "mfa.enrol"),
    ), status


def _security_page(renew_form=None, disable_form=None, status: int = 200):
    enrolment = enrolment_of(current_user)
    enrolled = enrolment is not None and enrolment.confirmed
    return render_template(
        "auth/security.html",
        enrolled=enrolled,
        enrolment=enrolment,
        required=mfa_required(current_user),
        remaining=remaining_recovery_codes(current_user) if enrolled else 0,
        renew_form=renew_form or ConfirmCodeForm(prefix="renew"),
        disable_form=disable_form or DisableForm(prefix="disable"),
    ), status


@bp.route("/account/security")
@login_required
def security():
    return _security_page()


@bp.route("/account/security/recovery-codes", methods=["POST"])
@login_required
def recovery_codes():
    form = ConfirmCodeForm(prefix="renew")
    if not form.validate_on_submit():
        return _security_page(renew_form=form, status=400)
    try:
        codes = regenerate_recovery_codes(current_user, form.code.data, _address())
    except CodeRefused as exc:
        return _security_page(renew_form=form, status=_refused(form, exc))
    db.session.commit()
    return render_template(
        "auth/mfa_recovery_codes.html",
        codes=codes,
        continue_url=url_for("mfa.security"),
        new=False,
    )


@bp.route("/account/security/disable", methods=["POST"])
@login_required
def disable():
    form = DisableForm(prefix="disable")
    if not form.validate_on_submit():
        return _security_page(disable_form=form, status=400)
    try:
        disable_mfa(current_user, form.password.data, form.code.data, _address())
    except CodeRefused as exc:
        return _security_page(disable_form=form, status=_refused(form, exc))
    except Refusal as exc:
        db.session.commit()  # the audit row of a wrong password
        if "password" in exc.fields:
            form.password.errors.append(exc.message)
        else:
            form.form_errors.append(exc.message)
        return _security_page(disable_form=form, status=exc.status)
    db.session.commit()
    flash("Multi-factor sign-in is off: your password alone signs you in.", "success")
    return redirect(url_for("mfa.security"))
