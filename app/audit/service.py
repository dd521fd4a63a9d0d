"""The audit trail: one row per read or change of client or referral data; read by admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Select, select

from app.extensions import db
from app.models import AuditLog, Role, User
from app.operations.proxy import client_address
from app.refusals import Forbidden


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
        ip=client_address(),
        detail=(detail or None) and detail[:500],
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page; empty ones do not filter."""

    user_email: str = ""
    entity: str = ""
    entity_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None


def audit_trail(actor: User | None, query: AuditQuery) -> Select:
    """The audit rows that match, newest first; only admins (and the operator) read them."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden("Only admins read the audit trail.")
    stmt = select(AuditLog).outerjoin(User, User.id == AuditLog.user_id)
    if email := query.user_email.strip().lower():
        stmt = stmt.where(User.email == email)
    if entity := query.entity.strip():
        stmt = stmt.where(AuditLog.entity == entity)
    if query.entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == query.entity_id)
    if action := query.action.strip():
        stmt = stmt.where(AuditLog.action == action)
    if query.since is not None:
        stmt = stmt.where(AuditLog.at >= datetime.combine(query.since, time(), UTC))
    if query.until is not None:
        stmt = stmt.where(AuditLog.at <= datetime.combine(query.until, time.max, UTC))
    return stmt.order_by(AuditLog.id.desc())
