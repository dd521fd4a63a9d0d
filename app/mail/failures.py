"""What did not leave: the messages given up and those that wait too long; an admin's retry.

Admins only, and only what they need to act: address, subject, attempts, last error, times;
never the body (minimum necessary).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import load_only

from app.audit.service import record
from app.auth.policy import ensure_role
from app.extensions import db
from app.models import OutboxMessage, Role, User, utcnow
from app.refusals import NotFound, Stale

# A pending message that has not left after this long is shown as waiting too long.
STUCK_AFTER = timedelta(minutes=15)

SHOWN = (
    OutboxMessage.to,
    OutboxMessage.subject,
    OutboxMessage.attempts,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
    OutboxMessage.next_attempt_at,
    OutboxMessage.claimed_until,
    OutboxMessage.failed_at,
    OutboxMessage.sent_at,
)


def undelivered(actor: User | None, now: datetime | None = None) -> Select:
    """Messages given up (first), then pending ones that failed once or wait over
    STUCK_AFTER; newest first. Admins only."""
    ensure_role(actor, Role.ADMIN)
    m = OutboxMessage
    waiting = and_(
        m.sent_at.is_(None),
        m.failed_at.is_(None),
        or_(m.attempts > 0, m.created_at <= (now or utcnow()) - STUCK_AFTER),
    )
    return (
        select(m)
        .options(load_only(*SHOWN))
        .where(or_(m.failed_at.is_not(None), waiting))
        .order_by(m.failed_at.is_(None), m.id.desc())
    )


def retry_message(actor: User | None, message_id: int) -> OutboxMessage:
    """Make an unsent message due again now, with a fresh count of attempts (the caller
    commits); the next delivery sends it. A message already sent is refused (409)."""
    ensure_role(actor, Role.ADMIN)
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound("There is no such message.")
    if message.sent_at is not None:
        raise Stale("This message has already been sent.")
    message.failed_at = None
    message.next_attempt_at = None
    message.attempts = 0
    record("retry", "outbox_message", message.id, user=actor)
    db.session.flush()
    return message
