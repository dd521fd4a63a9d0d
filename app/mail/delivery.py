"""Deliver the outbox over SMTP, outside every request: claim, send, record, each message once.

Who delivers: the worker and `flask reminders tick` call `deliver_all()`. Pages and the API
only queue (app/mail/outbox.py `queue_email`), so that no answer ever waits on SMTP.

How a message leaves once:
1. Claim. A short transaction picks due rows and writes a lease on them (`claimed_by`,
   `claimed_until`), then commits, before SMTP is spoken to. On PostgreSQL the rows are
   picked with `FOR UPDATE SKIP LOCKED`, so two deliverers take disjoint rows without
   waiting for each other; on SQLite a conditional UPDATE per row (free or lease run out)
   claims it, and its row count says whether it did.
2. Send, then record. Each message's outcome is written and committed on its own, so a
   crash loses at most the bookkeeping of the one message in flight.
3. A process killed mid-delivery leaves its lease behind; once the lease has run out
   (`LEASE`) another deliverer claims the row again.

The one window no database can close: the SMTP server accepted a message and the process was
killed before `sent_at` was committed. The message is then sent again after the lease runs
out, with the same `Message-ID` (`message_id`, derived from the row), so that a receiving
server or mail client can drop the duplicate.

Failures: a send refused for now (a 4xx answer, a server that cannot be reached) is tried
again after a backoff (`FIRST_RETRY` doubled at each attempt, at most `LONGEST_WAIT`); after
`MAX_ATTEMPTS` the message is given up (`failed_at`). A message that can never be sent (a
header that is not one line, an address SMTP refuses for good: 5xx) is given up at once. An
admin sees the given-up messages and may retry them (app/mail/failures.py). One bad message
never blocks the others.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from app.extensions import db
from app.fields import refused_character
from app.models import OutboxMessage, utcnow

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
LEASE = timedelta(minutes=5)
# A send is started only while this much of the lease is left (the SMTP timeouts fit in it).
SEND_MARGIN = timedelta(minutes=2)
SMTP_TIMEOUT = 10  # seconds, for each exchange with the server
BATCH = 100


class Undeliverable(ValueError):
    """A message that no retry can send (a header with a line break, say): given up at once."""


def mail_configured() -> bool:
    """Whether a mail server is set; without one, messages stay in the outbox."""
    return bool(current_app.config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def is_due(now: datetime, clock: datetime | None = None) -> ColumnElement[bool]:
    """Pending, not waiting for a retry at `now`, and not claimed by a lease alive at `clock`.

    Leases are read on the real clock (`clock`, default `now`): they say whether a process
    is alive, whatever moment a tick simulates."""
    m = OutboxMessage
    return and_(
        m.sent_at.is_(None),
        m.failed_at.is_(None),
        or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now),
        or_(m.claimed_until.is_(None), m.claimed_until <= (clock or now)),
    )


def deliver_pending(limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim up to `limit` due messages and send them; returns how many went out.

    Without MAIL_SERVER nothing is sent: messages stay in the outbox and are shown in the
    app. `now` (default: the clock) decides what is due and stamps what is written, so that a
    tick run at a simulated time behaves as it would then. Never raises (it runs in a worker
    that must go on): an unexpected error is logged, and the leases it leaves run out.
    Commits its own progress: call it outside any unit of work that is not yet committed.
    """
    try:
        return _deliver_batch(limit, now)[1]
    except Exception:
        db.session.rollback()
        current_app.logger.exception("e-mail delivery failed; messages stay in the outbox")
        return 0


def deliver_all(now: datetime | None = None) -> int:
    """Deliver batch after batch until nothing is due; returns how many went out."""
    sent = 0
    while True:
        try:
            claimed, batch_sent = _deliver_batch(BATCH, now)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("e-mail delivery failed; messages stay in the outbox")
            return sent
        sent += batch_sent
        if claimed < BATCH:
            return sent


def message_id(message: OutboxMessage) -> str:
    """The `Message-ID` of this row, the same at every attempt: a receiving server can drop a
    second copy (sent again after a crash between SMTP's answer and our record of it).
    The creation time keeps ids apart across databases whose row ids start again."""
    stamp = int(message.created_at.timestamp() * 1_000_000)
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2]
    return f"<outbox.{message.id}.{stamp}@{domain or 'refnet.local'}>"


def _header(name: str, value) -> str:
    if not isinstance(value, str) or refused_character(name) or refused_character(value):
        raise Undeliverable(f"header {name[:40]!r} is not one line of text")
    return value


def build(message: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox row; Undeliverable if it can never be sent."""
    try:
        email = EmailMessage()
        email["From"] = _header("From", current_app.config["MAIL_DEFAULT_SENDER"])
        email["To"] = _header("To", message.to)
        email["Subject"] = _header("Subject", message.subject)
        email["Message-ID"] = message_id(message)
        for name, value in (message.headers or {}).items():
            if name.lower() != "message-id":
                email[_header("header name", name)] = _header(name, value)
        email.set_content(message.body)
        for attached in message.attachments or ():
            _attach(email, attached)
        return email
    except (ValueError, TypeError, KeyError) as exc:  # email's header checks raise ValueError
        raise Undeliverable(f"refused: {exc}") from exc


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


@dataclass
class _Claimed:
    id: int
    attempts: int
    email: EmailMessage | None
    problem: str | None


class _Batch:
    """One claim and its sends. Its moment starts at `now` and runs with the real time; its
    lease is on the real clock."""

    def __init__(self, now: datetime | None) -> None:
        self.clock = utcnow()
        self.start = now or self.clock
        self.started = time.monotonic()
        self.worker = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"

    def moment(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)

    def lease_left(self) -> bool:
        return time.monotonic() - self.started < (LEASE - SEND_MARGIN).total_seconds()

    def claim(self, limit: int) -> list[int]:
        """Write our lease on up to `limit` due rows; commit before any SMTP."""
        lease = {"claimed_by": self.worker, "claimed_until": self.clock + LEASE}
        m = OutboxMessage
        if db.session.get_bind().dialect.name == "postgresql":
            picked = (
                select(m.id)
                .where(is_due(self.start, self.clock))
                .order_by(m.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            stmt = update(m).where(m.id.in_(picked)).values(**lease).returning(m.id)
            ids = list(db.session.scalars(stmt, execution_options={"synchronize_session": False}))
        else:
            candidates = db.session.scalars(
                select(m.id).where(is_due(self.start, self.clock)).order_by(m.id).limit(limit)
            ).all()
            ids = [
                row_id
                for row_id in candidates
                if db.session.execute(
                    update(m).where(m.id == row_id, is_due(self.start, self.clock)).values(**lease),
                    execution_options={"synchronize_session": False},
                ).rowcount
                == 1
            ]
        db.session.commit()
        return sorted(ids)

    def load(self, ids: list[int]) -> list[_Claimed]:
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        ).all()
        claimed = []
        for row in rows:
            try:
                claimed.append(_Claimed(row.id, row.attempts, build(row), None))
            except Undeliverable as exc:
                claimed.append(_Claimed(row.id, row.attempts, None, str(exc)))
        db.session.commit()  # nothing written: end the read before talking to SMTP
        return claimed

    def _record(self, message: _Claimed, values: dict, ours_only: bool = True) -> None:
        """Write one message's outcome and commit it (only while our lease holds it)."""
        stmt = update(OutboxMessage).where(OutboxMessage.id == message.id)
        if ours_only:
            stmt = stmt.where(OutboxMessage.claimed_by == self.worker)
        free = {"claimed_by": None, "claimed_until": None}
        db.session.execute(
            stmt.values(**values, **free), execution_options={"synchronize_session": False}
        )
        db.session.commit()

    def sent(self, message: _Claimed) -> None:
        values = {"sent_at": self.moment(), "attempts": message.attempts + 1, "last_error": None}
        self._record(message, {**values, "next_attempt_at": None}, ours_only=False)

    def give_up(self, message: _Claimed, error: str) -> None:
        attempts = message.attempts + 1
        self._record(
            message, {"failed_at": self.moment(), "attempts": attempts, "last_error": error[:500]}
        )

    def later(self, message: _Claimed, error: str) -> None:
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return self.give_up(message, error)
        wait = self.moment() + backoff(attempts)
        values = {"next_attempt_at": wait, "attempts": attempts, "last_error": error[:500]}
        self._record(message, values)

    def release(self) -> None:
        """Free what we claimed and did not get to (the lease ran short)."""
        m = OutboxMessage
        db.session.execute(
            update(m)
            .where(m.claimed_by == self.worker, m.sent_at.is_(None))
            .values(claimed_by=None, claimed_until=None),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()


def _deliver_batch(limit: int, now: datetime | None) -> tuple[int, int]:
    """Claim, send and record one batch: (how many were claimed, how many went out)."""
    if not mail_configured():
        return 0, 0
    batch = _Batch(now)
    ids = batch.claim(limit)
    if not ids:
        return 0, 0
    claimed = batch.load(ids)
    for message in claimed:
        if message.problem is not None:
            batch.give_up(message, message.problem)
    sendable = [m for m in claimed if m.problem is None]
    sent = 0
    try:
        if sendable:
            sent = _send_all(batch, sendable)
    finally:
        batch.release()
    given_up = len(claimed) - len(sendable)
    if given_up or sent < len(sendable):
        current_app.logger.warning(
            "%d e-mail message(s) not delivered; see the outbox", len(claimed) - sent
        )
    return len(ids), sent


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _answer(exc: smtplib.SMTPException) -> str:
    """The server's answer as a person reads it: "451 4.3.0 Try again later"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = exc.recipients.values()
    elif isinstance(exc, smtplib.SMTPResponseException):
        answers = [(exc.smtp_code, exc.smtp_error)]
    else:
        return str(exc)
    return "; ".join(
        f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        for code, text in answers
    )


def _refused_for_good(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer: the server will never take this message (retrying cannot help)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", 0) >= 500


def _send_all(batch: _Batch, messages: list[_Claimed]) -> int:
    try:
        smtp = _connect()
    except OSError as exc:  # smtplib's errors included
        _all_later(batch, messages, exc)
        return 0
    sent = 0
    try:
        for n, message in enumerate(messages):
            if not batch.lease_left():
                break  # the rest are released and claimed again by the next batch
            try:
                smtp.send_message(message.email)
            except smtplib.SMTPServerDisconnected as exc:
                _all_later(batch, messages[n:], exc)
                break
            except smtplib.SMTPException as exc:  # an answer about this one message
                if _refused_for_good(exc):
                    batch.give_up(message, f"refused: {_answer(exc)}")
                else:
                    batch.later(message, _answer(exc))
                continue
            except OSError as exc:  # SMTPException is an OSError too: caught above
                _all_later(batch, messages[n:], exc)
                break
            except (UnicodeError, ValueError) as exc:  # an address SMTP cannot carry
                batch.give_up(message, f"refused: {exc}")
                continue
            batch.sent(message)
            sent += 1
    finally:
        _hang_up(smtp)
    return sent


def _all_later(batch: _Batch, messages: list[_Claimed], exc: Exception) -> None:
    current_app.logger.warning("mail server unreachable: %s", exc)
    for message in messages:
        batch.later(message, f"server unreachable: {exc}")


def _hang_up(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
