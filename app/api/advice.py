"""Advice requests in the API: ask, list, read, the thread, close and convert."""

from __future__ import annotations

from flask import request, url_for

from app.advice.access import read_advice
from app.advice.listing import advice_page, open_counts, read_box
from app.advice.service import (
    NewAdvice,
    ask_advice,
    close_advice,
    convert_advice,
    may_close,
    may_convert,
)
from app.api import schemas
from app.api.auth import api_user
from app.api.body import json_object
from app.api.errors import ApiError
from app.api.idempotency import answer, idempotent
from app.api.inputs import (
    AdviceActionRequest,
    AdviceQuery,
    NewAdviceRequest,
    NewMessage,
    validated,
)
from app.api.messages import post_answer, thread_answer
from app.api.registry import operation
from app.api.serialize import as_json
from app.extensions import db
from app.models import AdviceRequest, User
from app.referrals.clients import ClientInput
from app.threads.places import advice_thread

ADVICE_ID = "<int(min=1, max=2147483647):advice_id>"


def as_advice(advice: AdviceRequest, user: User) -> schemas.Advice:
    checks = (("close", may_close), ("convert", may_convert))
    allowed = [action for action, may in checks if may(user, advice)]
    summary = schemas.AdviceSummary.model_validate(advice, from_attributes=True)
    return schemas.Advice(
        **summary.model_dump(),
        question=advice.question,
        client=schemas.ReferralClient.model_validate(advice.client, from_attributes=True),
        allowed_actions=allowed,
    )


@operation(
    "GET",
    "/advice",
    "listAdvice",
    summary="Advice requests in one of the caller's lists, newest first",
    answer=(200, schemas.AdvicePage, "One page, and the open requests in each list."),
    errors=(422,),
    query=AdviceQuery,
)
def list_advice():
    user = api_user()
    box = read_box(user, request.args.get("box"))
    rows, page, more = advice_page(user, box, request.args)
    following = url_for("api.list_advice", box=box, page=page + 1, _external=True) if more else None
    return as_json(
        schemas.AdvicePage(
            items=[schemas.AdviceSummary.model_validate(a, from_attributes=True) for a, _ in rows],
            counts=open_counts(user),
            next=following,
        )
    )


@operation(
    "POST",
    "/advice",
    "askAdvice",
    summary="Ask a member, or a specialty's advice pool, for advice (practitioners)",
    answer=(201, schemas.Advice, "The request, sent."),
    errors=(400, 403, 409, 413, 415, 422),
    body=NewAdviceRequest,
    idempotent=True,
    description="Give asked_member_id or specialty (not both). The client as for a referral: "
    "names; for clinical requests the birth date and consent. Documents are attached from "
    "the web page.",
)
@idempotent
def ask():
    user = api_user()
    body = validated(NewAdviceRequest, json_object())
    client = None
    if body.client is not None:
        client = ClientInput(**body.client.model_dump(exclude_none=True))
    advice = ask_advice(user, NewAdvice(**body.model_dump(exclude={"client"}), client=client))
    location = url_for("api.get_advice", advice_id=advice.id, _external=True)
    payload, status, headers = answer(
        as_json(as_advice(advice, user)), 201, {"Location": location}, is_referral=False
    )
    return payload, status, headers


@operation(
    "GET",
    f"/advice/{ADVICE_ID}",
    "getAdvice",
    summary="One advice request, with what the caller may do next",
    answer=(200, schemas.Advice, "The request (the read is audited)."),
    errors=(404,),
)
def get_advice(advice_id: int):
    user = api_user()
    payload = as_json(as_advice(read_advice(user, advice_id), user))
    db.session.commit()
    return payload


@operation(
    "GET",
    f"/advice/{ADVICE_ID}/messages",
    "listAdviceMessages",
    summary="The messages of an advice request, oldest first",
    answer=(200, schemas.MessageList, "The thread (the read is audited and marks it read)."),
    errors=(404,),
)
def advice_messages(advice_id: int):
    user = api_user()
    return thread_answer(user, advice_thread(user, advice_id))


@operation(
    "POST",
    f"/advice/{ADVICE_ID}/messages",
    "postAdviceMessage",
    summary="Post a message (a question or an answer) on an advice request",
    answer=(201, schemas.Message, "The message, posted; the other side is told."),
    errors=(400, 404, 409, 413, 415, 422),
    body=NewMessage,
    idempotent=True,
    description="The adviser's first message marks the request answered. An ended request "
    "(closed or converted) takes no more messages (422).",
)
@idempotent
def post_advice_message(advice_id: int):
    user = api_user()
    thread = advice_thread(user, advice_id)
    location = url_for("api.advice_messages", advice_id=advice_id, _external=True)
    return post_answer(user, thread, location)


@operation(
    "POST",
    f"/advice/{ADVICE_ID}/actions/<action>",
    "actOnAdvice",
    summary="Close an advice request, or convert it into a referral",
    answer=(200, schemas.Advice, "The request after the action (convert: with referral_id)."),
    errors=(400, 403, 404, 409, 413, 415, 422),
    body=AdviceActionRequest,
    path_schemas={"action": {"type": "string", "enum": ["close", "convert"]}},
    idempotent=True,
    description="close: the asker or a coordinator. convert: the asker; sends a referral to the "
    "member asked (for a pool: the member that answered) with the question as its reason, "
    "the answers as its notes and the documents; a possible duplicate is 422 "
    "possible_duplicate until confirm_duplicate is true.",
)
@idempotent
def act_on_advice(advice_id: int, action: str):
    user = api_user()
    if action not in ("close", "convert"):
        raise ApiError(404, "not_found", f"There is no action “{action[:40]}”.")
    body = validated(AdviceActionRequest, json_object())
    if action == "close":
        advice = close_advice(user, advice_id, version=body.version)
    else:
        convert_advice(
            user,
            advice_id,
            version=body.version,
            priority=body.priority,
            confirm_duplicate=bool(body.confirm_duplicate),
        )
        advice = db.session.get(AdviceRequest, advice_id)
    payload, status, _headers = answer(as_json(as_advice(advice, user)), is_referral=False)
    return payload, status
