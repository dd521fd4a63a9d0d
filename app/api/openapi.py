"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of exactly the routes of app.api."""

from __future__ import annotations

from typing import Any

from app.api import bp
from app.api.openapi_schemas import MAX_ID, SCHEMAS, USER_ACTIONS, ref
from app.models import Priority, Status
from app.referrals.listing import DEFAULT_LIMIT, MAX_LIMIT

ERRORS = {
    "400": "Malformed: the body is not JSON, or not a JSON object.",
    "401": "No session and no valid bearer token (unknown, revoked, or its user inactive).",
    "403": "The caller may not do this (wrong party, wrong role).",
    "404": "No such record, or one the caller may not see.",
    "409": "Stale: the referral changed since `version` was read; reload it.",
    "413": "The body is larger than 64 KiB.",
    "415": "The body is not declared as application/json.",
    "422": "A field or parameter is invalid (see `fields`), or the action is not allowed now.",
}


def _error(status: str) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/E{status}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    operation_id: str,
    ok: tuple[str, dict[str, Any], str],
    errors: tuple[str, ...],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    status, schema, ok_description = ok
    responses: dict[str, Any] = {status: _json(schema, ok_description)}
    responses.update({code: _error(code) for code in ("401", *errors)})
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "responses": dict(sorted(responses.items())),
    }
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


def _path_id(name: str) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _enum_list(values: list[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": values}}


MEMBER_PARAMETERS = [
    _query("q", {"type": "string", "maxLength": 100}, "Part of the name or organisation."),
    _query("specialty", {"type": "string", "maxLength": 100}, "Part of a specialty."),
    _query("location", {"type": "string", "maxLength": 100}, "Part of city, postcode, address."),
    _query("accepting", {"type": "boolean"}, "Only members (not) accepting new referrals."),
    _query("page", {"type": "integer", "minimum": 1, "maximum": 10_000}, "Page, from 1."),
]

REFERRAL_PARAMETERS = [
    _query(
        "box",
        {"type": "string", "enum": ["inbox", "outbox", "all"]},
        "inbox: received by the caller's members; outbox: sent by them; all: every visible "
        "referral. Practitioners default to inbox; coordinators and admins have only all.",
    ),
    _query(
        "status",
        _enum_list([s.value for s in Status]),
        "One or more statuses (repeat the parameter, or separate with commas).",
        style="form",
        explode=True,
    ),
    _query(
        "priority",
        _enum_list([p.value for p in Priority]),
        "One or more priorities.",
        style="form",
        explode=True,
    ),
    _query(
        "member_id",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "Only referrals this member sent or received (with inbox/outbox: one of yours).",
    ),
    _query("sent_from", {"type": "string"}, "Sent on or after: a date or an ISO date-time."),
    _query("sent_to", {"type": "string"}, "Sent on or before (a date: the whole day)."),
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        "Referrals per page.",
    ),
    _query("cursor", {"type": "string"}, "Opaque: take it from `next`, do not build it."),
]

PATHS: dict[str, Any] = {
    "/me": {
        "get": _operation(
            "The caller, its role and the members it acts for",
            "getMe",
            ("200", ref("User"), "The caller."),
            (),
        )
    },
    "/members": {
        "get": _operation(
            "Search the directory of the caller's networks",
            "listMembers",
            ("200", ref("MemberPage"), "Active members, by name."),
            ("422",),
            parameters=MEMBER_PARAMETERS,
        )
    },
    "/members/{member_id}": {
        "get": _operation(
            "One member",
            "getMember",
            ("200", ref("Member"), "The member."),
            ("404",),
            parameters=[_path_id("member_id")],
        )
    },
    "/referrals": {
        "get": _operation(
            "Referrals the caller may see, newest first",
            "listReferrals",
            ("200", ref("ReferralPage"), "One page; follow `next` for the following one."),
            ("422",),
            parameters=REFERRAL_PARAMETERS,
            description="Keyset pagination on (sent_at, id): no duplicates or gaps while "
            "new referrals arrive. List items carry no client data.",
        ),
        "post": _operation(
            "Send a referral (practitioners)",
            "sendReferral",
            ("201", ref("Referral"), "The referral, sent."),
            ("400", "403", "409", "413", "415", "422"),
            body="NewReferral",
            description="Coordinators and admins get 403. A possible duplicate (same client, "
            "same receiver, open, last 30 days) is 422 possible_duplicate until "
            "confirm_duplicate is true.",
        ),
    },
    "/referrals/{referral_id}": {
        "get": _operation(
            "One referral with its timeline and what the caller may do next",
            "getReferral",
            ("200", ref("Referral"), "The referral (the read is audited)."),
            ("404",),
            parameters=[_path_id("referral_id")],
        )
    },
    "/referrals/{referral_id}/actions/{action}": {
        "post": _operation(
            "Move a referral on: accept, decline, forward, cancel, schedule, record-visit, "
            "no-show, close",
            "actOnReferral",
            ("200", ref("Referral"), "The referral after the action."),
            ("400", "403", "404", "409", "413", "415", "422"),
            parameters=[
                _path_id("referral_id"),
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": USER_ACTIONS},
                },
            ],
            body="ActionRequest",
            description="Fields by action: decline reason (suggested_member_id); forward "
            "receiver_id (reason); cancel reason; schedule appointment_at; record-visit "
            "visit_date; no-show (cancel, reason); close outcome (value, professional only). "
            "Unknown actions are 404; expire is refnet's own (403).",
        ),
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApi",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "refnet JSON API",
        "version": "1.0.0",
        "description": "Closed-loop referrals between the members of a network. "
        "Authenticate with a personal token (`Authorization: Bearer rn_…`, from the tokens "
        "page or `flask tokens create`) or the signed-in session; session requests that "
        "change data must be `application/json`. Errors are "
        '`{"error": CODE, "message": TEXT, "fields": {…}}`.',
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": {f"E{code}": _json(ref("Error"), text) for code, text in ERRORS.items()},
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "rn_… token"},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return DOCUMENT
