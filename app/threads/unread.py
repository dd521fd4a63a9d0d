"""The unread badge of the lists, computed in the list's own SELECT (no extra statement)."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from app.models import AdviceRequest, Message, Referral, ThreadRead, User

# The reader, as a parameter: a list's statement with the badge is built once and reused.
VIEWER = bindparam("viewer_id")


def _unread(viewer, message_column, read_column, owner_id) -> object:
    marker = (
        select(ThreadRead.last_message_id)
        .where(ThreadRead.user_id == viewer, read_column == owner_id)
        .correlate_except(ThreadRead)
        .scalar_subquery()
    )
    return (
        select(func.count(Message.id))
        .where(
            message_column == owner_id,
            Message.author_id != viewer,
            Message.id > func.coalesce(marker, 0),
        )
        .correlate_except(Message)
        .scalar_subquery()
    )


# The unread count of a referral's thread, as a labelled column of a list's rows; the
# statement is executed with {"viewer_id": the reader's user id}.
UNREAD_MESSAGES = _unread(VIEWER, Message.referral_id, ThreadRead.referral_id, Referral.id).label(
    "unread_messages"
)


def unread_advice_column(user: User):
    """The unread count of an advice request's thread, as a column of a list's query."""
    return _unread(
        user.id, Message.advice_request_id, ThreadRead.advice_request_id, AdviceRequest.id
    ).label("unread")
