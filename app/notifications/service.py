"""The verbs on in-app notifications: count, list, open, mark read. A user sees only its own."""

from __future__ import annotations

from sqlalchemy import Select, func, select, update

from app.audit.service import record
from app.auth.policy import NO_ACCESS
from app.extensions import db
from app.models import Notification, User, utcnow
from app.refusals import Invalid, NotFound


def _unread_of(user: User):
    return Notification.user_id == user.id, Notification.read_at.is_(None)


def unread_count(user: User) -> int:
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
