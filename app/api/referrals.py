"""Referrals in the API: send, list, read, act. Every change goes through the services."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from app.api import bp
from app.api.auth import api_user
from app.api.body import (
    BOOLEAN,
    INTEGER,
    NUMBER_OR_STRING,
    OBJECT,
    STRING,
    json_object,
    typed_fields,
)
from app.api.errors import ApiError
from app.api.serialize import referral_as_json, referral_summary
from app.audit.service import record
from app.extensions import db
from app.mail.outbox import deliver_pending
from app.models import Role
from app.referrals.access import referral_for
from app.referrals.clients import ClientInput
from app.referrals.listing import carried_args, page_of, parse_filter
from app.referrals.service import NewReferral, perform, send_referral
from app.referrals.states import transition_for

REFERRAL_ID = "<int(min=1, max=2147483647):referral_id>"

SEND_FIELDS = {
    "receiver_id": INTEGER,
    "sender_id": INTEGER,
    "kind": STRING,
    "priority": STRING,
    "reason": STRING,
    "service": STRING,
    "notes": STRING,
    "client_id": INTEGER,
    "client": OBJECT,
    "confirm_duplicate": BOOLEAN,
}
CLIENT_FIELDS = {
    "given_name": STRING,
    "family_name": STRING,
    "birth_date": STRING,
    "email": STRING,
    "phone": STRING,
    "identifier": STRING,
    "consent": BOOLEAN,
}
ACTION_FIELDS = {
    "version": INTEGER,
    "reason": STRING,
    "receiver_id": INTEGER,
    "appointment_at": STRING,
    "visit_date": STRING,
    "outcome": STRING,
    "value": NUMBER_OR_STRING,
    "note": STRING,
    "cancel": BOOLEAN,
    "suggested_member_id": INTEGER,
}


def _committed(payload: dict[str, Any]) -> dict[str, Any]:
    """Messages leave only once the change they report is saved."""
    deliver_pending()
    return payload


@bp.post("/referrals")
def send():
    user = api_user()
    if user.role != Role.PRACTITIONER:
        raise ApiError(
            403,
            "forbidden",
            "Only practitioners send referrals: coordinators and admins act for no member.",
        )
    fields = typed_fields(json_object(), SEND_FIELDS)
    client = None
    if "client" in fields:
        client = ClientInput(**typed_fields(fields.pop("client"), CLIENT_FIELDS, prefix="client."))
    referral = send_referral(
        user,
        NewReferral(
            receiver_id=fields.get("receiver_id"),
            kind=fields.get("kind"),
            priority=fields.get("priority"),
            reason=fields.get("reason"),
            service=fields.get("service"),
            notes=fields.get("notes"),
            sender_id=fields.get("sender_id"),
            client_id=fields.get("client_id"),
            client=client,
            confirm_duplicate=fields.get("confirm_duplicate", False),
        ),
    )
    db.session.commit()
    location = url_for("api.get_referral", referral_id=referral.id, _external=True)
    return _committed(referral_as_json(referral, user)), 201, {"Location": location}


@bp.get("/referrals")
def list_referrals():
    user = api_user()
    flt = parse_filter(user, request.args)
    rows, cursor = page_of(user, flt)
    following = None
    if cursor is not None:
        following = url_for(
            "api.list_referrals", **carried_args(request.args), cursor=cursor, _external=True
        )
    return {"items": [referral_summary(r) for r in rows], "next": following}


@bp.get(f"/referrals/{REFERRAL_ID}")
def get_referral(referral_id: int):
    user = api_user()
    referral = referral_for(user, referral_id)
    payload = referral_as_json(referral, user)
    record("view", "referral", referral.id, user=user)
    db.session.commit()
    return payload


@bp.post(f"/referrals/{REFERRAL_ID}/actions/<action>")
def act(referral_id: int, action: str):
    user = api_user()
    if transition_for(action) is None:
        raise ApiError(404, "not_found", f"There is no action “{action[:40]}”.")
    referral = referral_for(user, referral_id)
    fields = typed_fields(json_object(), ACTION_FIELDS, required=("version",))
    version = fields.pop("version")
    perform(referral, action, user, version=version, values=fields)
    db.session.commit()
    return _committed(referral_as_json(referral, user))
