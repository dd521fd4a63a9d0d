"""Write the audit trail: one row per read or change of client or referral data."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditLog, User


def record(
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    user: User | None = None,
    detail: str | None = None,
) -> AuditLog:
    """Add an audit row to the current unit of work (the caller commits)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    row = AuditLog(
        user_id=user.id if user is not None else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        ip=request.remote_addr if has_request_context() else None,
        detail=(detail or None) and detail[:500],
    )
    db.session.add(row)
    return row
