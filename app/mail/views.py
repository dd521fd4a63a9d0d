"""The admins' page of e-mail that did not leave, and its retry button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import roles_required
from app.extensions import db
from app.forms import ConfirmForm
from app.mail.delivery import MAX_ATTEMPTS, mail_configured
from app.mail.failures import retry_message, undelivered
from app.models import Role, utcnow
from app.paging import numbered_page

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    now = utcnow()
    page = numbered_page(undelivered(current_user, now), request.args, per_page=50)
    return render_template(
        "mail/outbox.html",
        page=page,
        now=now,
        confirm=ConfirmForm(),
        configured=mail_configured(),
        max_attempts=MAX_ATTEMPTS,
    )


@bp.route("/<int:message_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(message_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message = retry_message(current_user, message_id)
    db.session.commit()
    flash(f"The message to {message.to} will be sent again shortly.", "success")
    return redirect(url_for("mail.index"))
