"""The unread badge of the lists, computed in the list's own SELECT (no extra statement)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AdviceRequest, Message, Referral, ThreadRead, User


def _unread(user: User, message_column, read_column, owner_id) -> object:
    marker = (
        select(ThreadRead.last_message_id)
        .where(ThreadRead.user_id == user.id, read_column == owner_id)
        .correlate_except(ThreadRead)
        .scalar_subquery()
    )
    return (
        select(func.count(Message.id))
        .where(
            message_column == owner_id,
            Message.author_id != user.id,
            Message.id > func.coalesce(marker, 0),
        )
        .correlate_except(Message)
        .scalar_subquery()
    )


def unread_messages_column(user: User):
    """The unread count of a referral's thread, as a labelled column of a list's rows."""
    return _unread(user, Message.referral_id, ThreadRead.referral_id, Referral.id).label(
        "unread_messages"
    )


def unread_advice_column(user: User):
    """The unread count of an advice request's thread, as a column of a list's query."""
    return _unread(
        user, Message.advice_request_id, ThreadRead.advice_request_id, AdviceRequest.id
    ).label("unread")
