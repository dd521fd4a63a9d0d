"""The audit trail for admins: who read or changed which record, when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.auth.policy import roles_required
from app.extensions import db
from app.models import AuditLog, Role, User

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    args = request.args
    query = select(AuditLog).outerjoin(User, User.id == AuditLog.user_id)
    if email := args.get("user", "").strip().lower():
        query = query.where(User.email == email)
    if entity := args.get("entity", "").strip():
        query = query.where(AuditLog.entity == entity)
    if args.get("entity_id", "").isdigit():
        query = query.where(AuditLog.entity_id == int(args["entity_id"]))
    if action := args.get("action", "").strip():
        query = query.where(AuditLog.action == action)
    if since := _day("from"):
        query = query.where(AuditLog.at >= datetime.combine(since, time(), UTC))
    if until := _day("to"):
        query = query.where(AuditLog.at <= datetime.combine(until, time.max, UTC))
    page = db.paginate(
        query.order_by(AuditLog.id.desc()),
        page=args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
        count=True,
    )
    return render_template("audit/index.html", page=page, args=args)
