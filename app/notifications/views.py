"""In-app notifications: the unread count in the header, the list, marking read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import ConfirmForm
from app.notifications.service import (
    REMINDER_MAIL_CHOICES,
    notifications_of,
    open_notification,
    read_all,
    set_reminder_mail,
    unread_count,
)
from app.paging import numbered_page
from app.refusals import Invalid

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def header_counts():
    if current_user.is_authenticated:
        return {"unread_notifications": unread_count(current_user)}
    return {}


@bp.route("/")
@login_required
def index():
    return _page()


def _page():
    page = numbered_page(notifications_of(current_user), request.args, per_page=30)
    return render_template(
        "notifications/index.html",
        page=page,
        confirm=ConfirmForm(),
        choices=REMINDER_MAIL_CHOICES,
    )


@bp.route("/reminder-mail", methods=["POST"])
@login_required
def reminder_mail():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_reminder_mail(current_user, request.form.get("reminder_mail"))
    except Invalid as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(), 422
    db.session.commit()
    flash("Your choice for reminder e-mails was saved.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    note = open_notification(current_user, notification_id)
    db.session.commit()
    if note.referral_id:
        return redirect(url_for("referrals.detail", referral_id=note.referral_id))
    if note.advice_request_id:
        return redirect(url_for("advice.detail", advice_id=note.advice_request_id))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"], endpoint="read_all")
@login_required
def mark_all_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    read_all(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
