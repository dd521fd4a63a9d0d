"""Queue e-mail with the change it reports; deliver over SMTP after the commit."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, utcnow

MAX_ATTEMPTS = 5


def queue_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None):
    """Add a message to the outbox in the caller's transaction."""
    message = OutboxMessage(to=to, subject=subject, body=body, headers=headers or {})
    db.session.add(message)
    return message


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    return email


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages when MAIL_SERVER is set; returns how many went out.

    Without a mail server, messages stay in the outbox and are shown in the app.
    Commits its own progress: call it after the unit of work that queued the messages.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            for message in pending:
                message.attempts += 1
                try:
                    smtp.send_message(_build(message))
                except smtplib.SMTPException as exc:
                    message.last_error = str(exc)[:500]
                    continue
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("mail server unreachable: %s", exc)
        for message in pending:
            if message.sent_at is None:
                message.last_error = f"server unreachable: {exc}"[:500]
    db.session.commit()
    return sent
