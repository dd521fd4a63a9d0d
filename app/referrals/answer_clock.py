"""The receiver's answer clock: how long a referral has waited on its receiver's answer.

The clock starts at `sent_at` and pauses while the referral waits on its sender
(`info_requested`, from request-info to provide-info). Each provide-info adds the time it
waited on the sender to `referral.sender_wait_seconds`, so the clock needs no events:

- in `sent`: `now - sent_at - sender_wait_seconds`;
- in `info_requested`: stopped at `info_requested_at - sent_at - sender_wait_seconds`.

Once the receiver has answered (accepted, declined, ...) the clock has no more use; the
events say when it stopped.

In SQL, a respond deadline of `d` for referrals in `sent` falls due when
`sent_at + sender_wait_seconds seconds + d <= now`, i.e. from `answer_clock_started`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Referral, Status, utcnow


def answer_clock_started(referral: Referral) -> datetime:
    """When the clock would have started had the referral never waited on its sender: a
    respond deadline counts from here (sent_at shifted by the time spent waiting on the
    sender)."""
    return referral.sent_at + timedelta(seconds=referral.sender_wait_seconds or 0)


def answer_clock(referral: Referral, now: datetime | None = None) -> timedelta:
    """How long the referral has waited on its receiver, without the time it waited on its
    sender; paused (not growing) while it is in `info_requested`."""
    now = now or utcnow()
    if referral.status == Status.INFO_REQUESTED and referral.info_requested_at is not None:
        now = referral.info_requested_at
    return max(now - answer_clock_started(referral), timedelta(0))


def waits_on_sender(referral: Referral) -> bool:
    """The referral waits on its sender's answer (reminders go to the sender, not the receiver)."""
    return referral.status == Status.INFO_REQUESTED
