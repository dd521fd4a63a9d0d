"""In-app notifications: the unread count in the header, the list, marking read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from app.extensions import db
from app.members.forms import ConfirmForm
from app.models import Notification, utcnow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


@bp.app_context_processor
def header_counts():
    if current_user.is_authenticated:
        return {"unread_notifications": unread_count(current_user)}
    return {}


@bp.route("/")
@login_required
def index():
    page = db.paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=30,
        error_out=False,
    )
    return render_template("notifications/index.html", page=page, confirm=ConfirmForm())


@bp.route("/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    if note.referral_id:
        return redirect(url_for("referrals.detail", referral_id=note.referral_id))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("notifications.index"))
