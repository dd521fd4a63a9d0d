"""Queue e-mail with the change it reports; deliver over SMTP after the commit."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.fields import refused_character
from app.models import OutboxMessage, utcnow

MAX_ATTEMPTS = 5


class Undeliverable(ValueError):
    """A message that no retry can send (a header with a line break, say): given up at once."""


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
    recorded on its row and skipped rather than failing the change it reports."""
    message = OutboxMessage(
        to=to,
        subject=_one_line(subject)[:200],
        body=body,
        headers=headers or {},
        attachments=attachments or None,
    )
    db.session.add(message)
    return message


def _header(name: str, value) -> str:
    if not isinstance(value, str) or refused_character(name) or refused_character(value):
        raise Undeliverable(f"header {name[:40]!r} is not one line of text")
    return value


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = _header("From", current_app.config["MAIL_DEFAULT_SENDER"])
    email["To"] = _header("To", message.to)
    email["Subject"] = _header("Subject", message.subject)
    for name, value in (message.headers or {}).items():
        email[_header("header name", name)] = _header(name, value)
    email.set_content(message.body)
    for attached in message.attachments or ():
        _attach(email, attached)
    return email


def _attach(email: EmailMessage, attached: dict[str, str]) -> None:
    """One text attachment: "text/calendar; method=REQUEST" keeps its parameters."""
    kind, *parameters = (p.strip() for p in attached["content_type"].split(";"))
    maintype, _, subtype = kind.partition("/")
    if maintype != "text" or not subtype:
        raise Undeliverable(f"attachment type {kind[:40]!r} is not text")
    params = dict(p.split("=", 1) for p in parameters if "=" in p and not p.startswith("charset"))
    email.add_attachment(
        attached["content"],
        subtype=subtype,
        filename=_header("filename", attached["filename"]),
        params=params,
    )


def _send(smtp: smtplib.SMTP, message: OutboxMessage) -> None:
    """Send one message; a message that cannot be built is given up (no retry mends it)."""
    message.attempts += 1
    try:
        email = _build(message)
    except (ValueError, TypeError) as exc:  # email's own header checks raise ValueError too
        message.attempts = MAX_ATTEMPTS
        raise Undeliverable(f"refused: {exc}") from exc
    smtp.send_message(email)


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages when MAIL_SERVER is set; returns how many went out.

    Without a mail server, messages stay in the outbox and are shown in the app.
    One bad message never blocks the others: its error is recorded on its row, it is
    counted in the log, and the next ones still go. Never raises: it runs after the commit
    of the change it reports, whose answer must not turn into an error page.
    Commits its own progress: call it after the unit of work that queued the messages.
    """
    try:
        return _deliver(limit)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("e-mail delivery failed; messages stay in the outbox")
        return 0


def _deliver(limit: int) -> int:
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
    sent = failed = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            for message in pending:
                try:
                    _send(smtp, message)
                except (Undeliverable, smtplib.SMTPException, UnicodeError) as exc:
                    message.last_error = str(exc)[:500]
                    failed += 1
                    continue
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("mail server unreachable: %s", exc)
        for message in pending:
            if message.sent_at is None and message.last_error is None:
                message.last_error = f"server unreachable: {exc}"[:500]
    if failed:
        current_app.logger.warning("%d e-mail message(s) not delivered; see the outbox", failed)
    db.session.commit()
    return sent
