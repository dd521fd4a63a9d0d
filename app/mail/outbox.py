"""Queue e-mail with the change it reports; a deliverer outside the request sends it.

Pages and the API only queue: `deliver_pending` and `deliver_all` (app/mail/delivery.py,
re-exported here) are called by the worker and `flask reminders tick`, never by a request.
"""

from __future__ import annotations

from app.extensions import db
from app.fields import refused_character
from app.mail.delivery import (
    MAX_ATTEMPTS,
    Undeliverable,
    deliver_all,
    deliver_pending,
    mail_configured,
)
from app.models import OutboxMessage

__all__ = [
    "MAX_ATTEMPTS",
    "Undeliverable",
    "deliver_all",
    "deliver_pending",
    "mail_configured",
    "queue_email",
]


def _one_line(value: str) -> str:
    """A header value as one line: refused characters (app/fields.py) become spaces."""
    return "".join(" " if refused_character(char) else char for char in value)


def queue_email(
    to: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    attachments: list[dict[str, str]] | None = None,
):
    """Add a message to the outbox in the caller's transaction.

    `attachments`: text files sent with it, each {"filename", "content_type", "content"}
    (an appointment's .ics).

    The subject is made one line here (it may quote a name saved before names were checked);
    the address and the headers are checked when the message is built, so a bad one is
    recorded on its row and given up rather than failing the change it reports."""
    message = OutboxMessage(
        to=to,
        subject=_one_line(subject)[:200],
        body=body,
        headers=headers or {},
        attachments=attachments or None,
    )
    db.session.add(message)
    return message
