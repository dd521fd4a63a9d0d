"""Telling whoever earned a reward that it was approved: the users acting for the member
(in-app and a queued e-mail), or the client by e-mail. No client data in the message."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import Notification, Reward, User, user_member
from app.models.programme import RewardKind


def _whole(amount) -> str:
    """100.00 points read 100 (never 1E+2)."""
    return "" if amount is None else format(amount.normalize(), "f")


def describe(reward: Reward) -> str:
    """The reward in words: "50.00 account credit", "10% discount", "our thanks"."""
    amount = reward.amount
    words = {
        RewardKind.CREDIT: f"{amount} account credit",
        RewardKind.DISCOUNT: f"{amount}% discount",
        RewardKind.FIXED: f"{amount} fixed reward",
        RewardKind.POINTS: f"{_whole(amount)} points",
        RewardKind.SERVICE: reward.description or "a service",
        RewardKind.THANKS: "thanks",
    }
    return words[reward.kind]


def tell_earner(reward: Reward) -> None:
    programme = reward.programme.name
    what = describe(reward)
    message = f"Your reward for referral #{reward.referral_id} was approved: {what} ({programme})"
    if reward.earner_member_id is not None:
        users = db.session.scalars(
            select(User)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == reward.earner_member_id, User.active.is_(True))
            .order_by(User.id)
        ).all()
        link = external_url("rewards.mine")
        for user in users:
            db.session.add(Notification(user_id=user.id, kind="reward", message=message[:300]))
            queue_email(user.email, "A reward was approved", f"{message}.\n\n{link}\n")
        return
    client = reward.earner_client
    if client is not None and client.email:
        body = (
            f"Thank you for your referral. Your reward was approved: {describe(reward)}.\n"
            f"{programme}\n"
        )
        queue_email(client.email, "Your reward was approved", body)
