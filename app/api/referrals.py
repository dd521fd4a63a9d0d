"""Referrals in the API: send, list, read, act. Every change goes through the services."""

from __future__ import annotations

from flask import request, url_for

from app.api import schemas
from app.api.auth import api_acting, api_user
from app.api.body import json_object
from app.api.errors import ApiError
from app.api.idempotency import answer, idempotent
from app.api.inputs import ActionRequest, NewReferral, ReferralQuery, validated
from app.api.registry import operation
from app.api.schemas import USER_ACTIONS
from app.api.serialize import as_json, as_referral, as_summary, json_response
from app.extensions import db
from app.reads import reads_only
from app.referrals import service
from app.referrals.access import read_referral, referral_for
from app.referrals.clients import ClientInput
from app.referrals.listing import carried_args, page_of, parse_filter
from app.referrals.service import perform, send_referral
from app.referrals.states import transition_for

REFERRAL_ID = "<int(min=1, max=2147483647):referral_id>"


@operation(
    "POST",
    "/referrals",
    "sendReferral",
    summary="Send a referral (practitioners)",
    answer=(201, schemas.Referral, "The referral, sent."),
    errors=(400, 403, 409, 413, 415, 422),
    body=NewReferral,
    idempotent=True,
    description="Coordinators and admins get 403. A possible duplicate (same client, same "
    "receiver, open, last 30 days) is 422 possible_duplicate until confirm_duplicate is true.",
)
@idempotent
def send():
    user = api_user()
    body = validated(NewReferral, json_object())
    client = None
    if body.client is not None:
        client = ClientInput(**body.client.model_dump(exclude_none=True))
    referral = send_referral(
        user,
        service.NewReferral(
            **body.model_dump(exclude={"client", "confirm_duplicate"}),
            client=client,
            confirm_duplicate=bool(body.confirm_duplicate),
        ),
    )
    location = url_for("api.get_referral", referral_id=referral.id, _external=True)
    payload, status, headers = answer(
        as_json(as_referral(referral, user)), 201, {"Location": location}
    )
    return payload, status, headers


@operation(
    "GET",
    "/referrals",
    "listReferrals",
    summary="Referrals the caller may see, newest first",
    answer=(200, schemas.ReferralPage, "One page; follow `next` for the following one."),
    errors=(422,),
    query=ReferralQuery,
    description="Keyset pagination on (sent_at, id): no duplicates or gaps while new "
    "referrals arrive. List items carry no client data.",
)
@reads_only
def list_referrals():
    user = api_acting()
    rows, cursor = page_of(user, parse_filter(user, request.args))
    following = None
    if cursor is not None:
        following = url_for(
            "api.list_referrals", **carried_args(request.args), cursor=cursor, _external=True
        )
    return json_response(schemas.ReferralPage(items=[as_summary(r) for r in rows], next=following))


@operation(
    "GET",
    f"/referrals/{REFERRAL_ID}",
    "getReferral",
    summary="One referral with its timeline and what the caller may do next",
    answer=(200, schemas.Referral, "The referral (the read is audited)."),
    errors=(404,),
)
def get_referral(referral_id: int):
    user = api_user()
    referral = read_referral(user, referral_id)
    payload = as_json(as_referral(referral, user))
    db.session.commit()
    return payload


@operation(
    "POST",
    f"/referrals/{REFERRAL_ID}/actions/<action>",
    "actOnReferral",
    summary="Move a referral on: accept, decline, forward, cancel, schedule, reschedule, "
    "record-visit, no-show, close, request-info, provide-info, interim-report, reopen",
    answer=(200, schemas.Referral, "The referral after the action."),
    errors=(400, 403, 404, 409, 413, 415, 422),
    body=ActionRequest,
    path_schemas={"action": {"type": "string", "enum": USER_ACTIONS}},
    idempotent=True,
    description="Fields by action: decline reason_code, reason (required with other), "
    "(suggested_member_id); forward receiver_id (reason); cancel reason_code (reason); "
    "schedule appointment_at; reschedule appointment_at (the new time; the sender is told); "
    "record-visit visit_date; no-show (cancel with reason_code, reason); close outcome "
    "(value, professional only); request-info question (receiver, from sent); provide-info "
    "answer (sender, from info_requested); interim-report report (receiver; the status "
    "stays); reopen reason (receiver or coordinator, within the network's "
    "reopen_within_days; back to the status before). Unknown actions are 404; "
    "expire is refnet's own (403).",
)
@idempotent
def act(referral_id: int, action: str):
    user = api_user()
    if transition_for(action) is None:
        raise ApiError(404, "not_found", f"There is no action “{action[:40]}”.")
    referral = referral_for(user, referral_id)
    body = validated(ActionRequest, json_object())
    values = body.model_dump(exclude_none=True, exclude={"version"})
    perform(referral, action, user, version=body.version, values=values)
    payload, status, _headers = answer(as_json(as_referral(referral, user)))
    return payload, status
