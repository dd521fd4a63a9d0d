"""The daily digest: one e-mail a day to each user who chose it, listing the reminders and
escalations of the day before, instead of one e-mail each.

Its key is (user, day), unique in `reminder_digest`: the first tick after 07:00 in the
user's network timezone inserts it and queues the e-mail in the same transaction; another
tick's insert does nothing, so each user gets at most one digest a day.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.followup.messages import DIGEST
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import Network, Notification, ReminderDigest, User

DIGEST_HOUR = time(7, 0)
KINDS = ("reminder", "escalation")


def _timezone(user: User) -> ZoneInfo:
    network_id = next(iter(user.network_ids), None)
    network = db.session.get(Network, network_id) if network_id else None
    return ZoneInfo(network.timezone if network else "UTC")


def send_digests(now: datetime) -> int:
    """Queue today's digest of every user who chose it and has something in it."""
    queued = 0
    users = db.session.scalars(
        select(User).where(User.reminder_mail == DIGEST, User.active.is_(True))
    ).all()
    for user in users:
        local = now.astimezone(_timezone(user))
        if local.time() < DIGEST_HOUR or not user.has_password:
            continue
        queued += _digest(user, local.date(), now)
        db.session.commit()
    return queued


def _digest(user: User, day, now: datetime) -> int:
    since = db.session.scalar(
        select(func.max(ReminderDigest.created_at)).where(ReminderDigest.user_id == user.id)
    ) or (now - timedelta(days=1))
    items = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.kind.in_(KINDS),
            Notification.created_at > since,
            Notification.created_at <= now,
        )
        .order_by(Notification.id)
    ).all()
    if not items:
        return 0
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    taken = db.session.execute(
        insert(ReminderDigest)
        .values(user_id=user.id, day=day, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(ReminderDigest.id)
    ).scalar()
    if taken is None:
        return 0  # another tick sent today's digest
    lines = [
        f"- {n.message}\n  {external_url('referrals.detail', referral_id=n.referral_id)}"
        for n in items
    ]
    queue_email(
        user.email,
        f"refnet: {len(items)} referral reminder(s) for {day:%d %b %Y}",
        "What waits for you in refnet:\n\n" + "\n".join(lines) + "\n",
        {"X-Refnet-Digest": f"{user.id}:{day.isoformat()}"},
    )
    return 1
