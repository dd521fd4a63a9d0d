"""The verbs on threads: read (audited), post (with attachments), mark read, count unread.

Every function takes the acting user first and reaches the thread through
app/threads/places.py, which applies the referral's or the advice request's access rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app import fields as f
from app.audit.service import record
from app.extensions import db
from app.models import AdviceStatus, Message, ThreadRead, User, utcnow
from app.referrals.documents import check_uploads, store_documents
from app.referrals.errors import InvalidReferral
from app.refusals import Invalid
from app.threads.notify import tell_about_message
from app.threads.places import Thread

MAX_MESSAGE = 5000


def messages_in(thread: Thread) -> list[Message]:
    """The thread's messages, oldest first (newest last), with authors and attachments."""
    column = getattr(Message, next(iter(thread.key)))
    return list(
        db.session.scalars(
            select(Message).where(column == thread.owner.id).order_by(Message.id)
        ).unique()
    )


def read_thread(user: User, thread: Thread) -> list[Message]:
    """The thread as `user` reads it; the read is audited (who read which conversation)."""
    record("read", "thread", thread.owner.id, user=user, detail=thread.label.replace(" #", "="))
    return messages_in(thread)


def post_message(
    actor: User, thread: Thread, body, uploads=(), *, now: datetime | None = None
) -> Message:
    """Add a message (and its attachments, checked as the send form's) to the thread, and
    tell the other side. Invalid (422) for an empty or too long body or a refused file."""
    if not thread.open:
        raise Invalid(
            f"{thread.label.capitalize()} has ended: no more messages can be posted.",
            {"body": "The conversation has ended."},
        )
    problems = f.FieldProblems()
    text = f.text(
        problems, "body", body, label="Message", required=True, max_len=MAX_MESSAGE, multiline=True
    )
    if problems:
        raise InvalidReferral("The message could not be posted. Check the fields.", problems)
    checked = check_uploads(list(uploads))
    now = now or utcnow()
    message = Message(
        **thread.key,
        author_id=actor.id,
        side=thread.side,
        member_id=thread.member_id,
        body=text,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    if checked:
        store_documents(thread.owner, checked, actor, message)
    if thread.advice is not None and thread.side == "adviser":
        _answered(thread, now)
    record("create", "message", message.id, user=actor, detail=thread.label.replace(" #", "="))
    tell_about_message(thread, message, actor)
    mark_read(actor, thread, message.id)  # one's own message is read
    return message


def _answered(thread: Thread, now: datetime) -> None:
    advice = thread.advice
    if advice.status == AdviceStatus.OPEN:
        advice.status = AdviceStatus.ANSWERED
        advice.answered_at = now
    if advice.answered_by_id is None:
        advice.answered_by_id = thread.member_id
    db.session.flush()


def _insert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert


def mark_read(user: User, thread: Thread, upto: int | None = None) -> None:
    """The user has read the thread up to message `upto` (default: its newest). Markers only
    move forward; two requests at once cannot make two rows (INSERT … ON CONFLICT)."""
    if upto is None:
        column = getattr(Message, next(iter(thread.key)))
        upto = db.session.scalar(select(func.max(Message.id)).where(column == thread.owner.id))
        if upto is None:
            return
    (name,) = thread.key
    insert = _insert(db.session.get_bind().dialect.name)
    stmt = insert(ThreadRead).values(
        user_id=user.id, last_message_id=upto, read_at=utcnow(), **thread.key
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", name],
        set_={"last_message_id": stmt.excluded.last_message_id, "read_at": stmt.excluded.read_at},
        where=ThreadRead.last_message_id < stmt.excluded.last_message_id,
    )
    db.session.execute(stmt)


def unread_in(user: User, thread: Thread) -> int:
    """Messages of the thread by others, newer than the user's marker."""
    (name,) = thread.key
    column = getattr(Message, name)
    marker = (
        select(ThreadRead.last_message_id)
        .where(ThreadRead.user_id == user.id, getattr(ThreadRead, name) == thread.owner.id)
        .scalar_subquery()
    )
    return db.session.scalar(
        select(func.count(Message.id)).where(
            column == thread.owner.id,
            Message.author_id != user.id,
            Message.id > func.coalesce(marker, 0),
        )
    )
