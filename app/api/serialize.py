"""What the API returns for users, members and referrals, built as the models of
app.api.schemas (which the OpenAPI document describes) and answered as plain JSON."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel

from app.api import schemas
from app.links.intake import source_of
from app.models import Member, Referral, User
from app.referrals.access import parties_of
from app.referrals.states import allowed_actions


def as_json(answer: BaseModel) -> dict[str, Any]:
    """The model as JSON values: moments with their offset, amounts as "1250.00"."""
    return answer.model_dump(mode="json")


def json_response(answer: BaseModel) -> Response:
    """The model as a JSON response, serialised by pydantic in one step (the same values as
    `as_json`; keys in the schema's order): for the lists, where building the dict and then
    Flask's sorted dump of it was a fifth of the request (docs/performance.md)."""
    return Response(answer.model_dump_json(), mimetype="application/json")


def as_user(user: User) -> schemas.User:
    return schemas.User.model_validate(user, from_attributes=True)


def as_member(member: Member) -> schemas.Member:
    return schemas.Member.model_validate(member, from_attributes=True)


def as_summary(referral: Referral) -> schemas.ReferralSummary:
    """A referral in a list: no client data and no free text, so lists need no audit row."""
    return schemas.ReferralSummary.model_validate(referral, from_attributes=True)


class _AsSeenBy:
    """The referral's attributes, and what this user may do to it next."""

    def __init__(self, referral: Referral, user: User) -> None:
        self._referral = referral
        parties = parties_of(user, referral)
        has_sender = referral.sender_id is not None
        allowed = allowed_actions(referral.status, parties, has_sender=has_sender)
        self.allowed_actions = [t.action for t in allowed]
        self.link = source_of(referral.id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._referral, name)


def as_referral(referral: Referral, user: User) -> schemas.Referral:
    """The whole referral as this user may see it, with what this user may do next."""
    return schemas.Referral.model_validate(_AsSeenBy(referral, user), from_attributes=True)


def as_message(message) -> schemas.Message:
    return schemas.Message(
        id=message.id,
        author_id=message.author_id,
        author_name=message.author.name,
        side=message.side,
        member_id=message.member_id,
        member_name=message.member.name if message.member else None,
        body=message.body,
        created_at=message.created_at,
        attachments=[
            schemas.Attachment.model_validate(d, from_attributes=True) for d in message.documents
        ],
    )
