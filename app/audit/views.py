"""The audit trail for admins: who read or changed which record, when."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app import fields as f
from app.audit.service import AuditQuery, audit_trail
from app.auth.decorators import roles_required
from app.models import Role
from app.paging import numbered_page

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _query() -> AuditQuery:
    """The page's filters; a value that does not read is left out, as a search box does."""
    args, ignored = request.args, f.FieldProblems()
    since, until = (
        f.day(ignored, name, args[name], label=name) if args.get(name) else None
        for name in ("from", "to")
    )
    return AuditQuery(
        user_email=args.get("user", "")[:254],
        entity=args.get("entity", "")[:40],
        entity_id=f.query_integer(
            ignored, "entity_id", args.get("entity_id"), low=1, high=2**31 - 1
        ),
        action=args.get("action", "")[:40],
        since=since,
        until=until,
    )


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    page = numbered_page(audit_trail(current_user, _query()), request.args, per_page=50)
    return render_template("audit/index.html", page=page, args=request.args)
