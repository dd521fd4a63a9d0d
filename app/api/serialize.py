"""What the API returns for users, members and referrals: plain JSON, dates in ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.models import Member, Referral, User
from app.referrals.access import parties_of
from app.referrals.states import allowed_actions

STAGE_TIMES = (
    "sent_at",
    "accepted_at",
    "declined_at",
    "scheduled_at",
    "appointment_at",
    "visited_at",
    "closed_at",
    "cancelled_at",
    "expired_at",
)


def moment(value: datetime | None) -> str | None:
    """An aware timestamp with its offset (+00:00), or None."""
    return value.isoformat() if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_as_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "members": [{"id": m.id, "name": m.name, "network_id": m.network_id} for m in user.members],
        "member_ids": user.member_ids,
        "network_ids": user.network_ids,
    }


def member_as_json(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "kind": member.kind.value,
        "specialties": member.specialties,
        "accepting": member.accepting,
        "active": member.active,
        "city": member.city,
        "postcode": member.postcode,
        "network_id": member.network_id,
        "organization": member.organization,
    }


def referral_summary(referral: Referral) -> dict[str, Any]:
    """A referral in a list: no client data and no free text, so lists need no audit row."""
    return {
        "id": referral.id,
        "status": referral.status.value,
        "version": referral.version,
        "sender_id": referral.sender_id,
        "receiver_id": referral.receiver_id,
        "network_id": referral.network_id,
        "kind": referral.kind.value,
        "priority": referral.priority.value,
        "service": referral.service,
        "sent_at": moment(referral.sent_at),
        "appointment_at": moment(referral.appointment_at),
        "forwarded_from_id": referral.forwarded_from_id,
    }


def referral_as_json(referral: Referral, user: User) -> dict[str, Any]:
    """The whole referral as this user may see it, with what this user may do next."""
    client = referral.client
    body: dict[str, Any] = {
        "id": referral.id,
        "status": referral.status.value,
        "version": referral.version,
        "sender_id": referral.sender_id,
        "receiver_id": referral.receiver_id,
        "network_id": referral.network_id,
        "kind": referral.kind.value,
        "priority": referral.priority.value,
        "reason": referral.reason,
        "service": referral.service,
        "notes": referral.notes,
        "client": {
            "id": client.id,
            "given_name": client.given_name,
            "family_name": client.family_name,
            "birth_date": day(client.birth_date),
        },
    }
    body.update({name: moment(getattr(referral, name)) for name in STAGE_TIMES})
    value = referral.business_value
    body.update(
        {
            "status_reason": referral.status_reason,
            "outcome": referral.outcome,
            "business_value": f"{value:.2f}" if value is not None else None,
            "valid_until": day(referral.valid_until),
            "forwarded_from_id": referral.forwarded_from_id,
            "suggested_member_id": referral.suggested_member_id,
            "events": [
                {
                    "action": e.action,
                    "from_status": e.from_status.value if e.from_status else None,
                    "to_status": e.to_status.value,
                    "at": moment(e.at),
                    "actor_id": e.actor_id,
                    "note": e.note,
                }
                for e in referral.events
            ],
            "allowed_actions": [
                t.action.value for t in allowed_actions(referral.status, parties_of(user, referral))
            ],
        }
    )
    return body
