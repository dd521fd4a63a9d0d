"""The verbs on in-app notifications: count, list, open, mark read. A user sees only its own.

The header's unread count of a signed-in page comes with the session's user, in the same
SELECT (`unread_column`, app/auth/sessions.py): one round trip less on every page. That
figure is used only while the request has written nothing: any flush or UPDATE of the
session, or a change waiting to be flushed, sends `unread_count` back to the database.
"""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import ColumnElement, Select, event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from app.audit.service import record
from app.auth.policy import NO_ACCESS
from app.extensions import db
from app.models import Notification, User, utcnow
from app.refusals import Invalid, NotFound


def _unread_of(user: User):
    return Notification.user_id == user.id, Notification.read_at.is_(None)


# In the WSGI environ, for this request only: (user id, unread count) as read with the user.
KNOWN_UNREAD = "refnet.unread_notifications"


def unread_column(user_id: ColumnElement[int]) -> ColumnElement[int]:
    """The unread count of the user `user_id` names, as a column of another SELECT."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def remember_unread(user_id: int, count: int) -> None:
    """The unread count read with the request's user, for the header."""
    request.environ[KNOWN_UNREAD] = (user_id, count)


def _forget_unread(*_args) -> None:
    if has_request_context():
        request.environ.pop(KNOWN_UNREAD, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        _forget_unread()


def keep_unread_current() -> None:
    """Forget the remembered count on any write of any session (once per process)."""
    if not event.contains(Session, "after_flush", _forget_unread):
        event.listen(Session, "after_flush", _forget_unread)
        event.listen(Session, "do_orm_execute", _forget_on_write)


def unread_count(user: User) -> int:
    known = request.environ.get(KNOWN_UNREAD) if has_request_context() else None
    if known is not None and known[0] == user.id and not (db.session.new or db.session.dirty):
        return known[1]
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(*_unread_of(user))
    )


def notifications_of(user: User) -> Select:
    """The user's notifications, newest first."""
    return (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )


def open_notification(user: User, notification_id: int) -> Notification:
    """One of the user's notifications, marked read; NotFound for anyone else's."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(NO_ACCESS)
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def read_all(user: User, *, referral_id: int | None = None) -> None:
    """Mark the user's unread notifications read: all, or those about one referral."""
    stmt = update(Notification).where(*_unread_of(user)).values(read_at=utcnow())
    if referral_id is not None:
        stmt = stmt.where(Notification.referral_id == referral_id)
    db.session.execute(stmt)


REMINDER_MAIL_CHOICES = {
    "immediate": "Each reminder by e-mail when it is due",
    "digest": "One e-mail a day with all of them (at 7:00)",
}


def set_reminder_mail(user: User, choice) -> None:
    """The user's own choice: reminder e-mails one by one, or one daily digest."""
    if choice not in REMINDER_MAIL_CHOICES:
        raise Invalid(
            "Choose how reminders reach you.", {"reminder_mail": "Choose one of the two."}
        )
    if user.reminder_mail != choice:
        user.reminder_mail = choice
        record("update", "user", user.id, user=user, detail=f"reminder_mail={choice}")
