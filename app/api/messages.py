"""Threads in the API: read (audited, marks read) and post messages on a referral.

Attachments are listed with each message; they are posted from the web page (an API body
is at most 64 KiB, too small for documents)."""

from __future__ import annotations

from flask import url_for

from app.api import schemas
from app.api.auth import api_user
from app.api.body import json_object
from app.api.idempotency import answer, idempotent
from app.api.inputs import NewMessage, validated
from app.api.registry import operation
from app.api.serialize import as_json, as_message
from app.extensions import db
from app.threads.places import Thread, referral_thread
from app.threads.service import mark_read, post_message, read_thread, unread_in

REFERRAL_ID = "<int(min=1, max=2147483647):referral_id>"


def thread_answer(user, thread: Thread):
    unread = unread_in(user, thread)
    messages = read_thread(user, thread)
    mark_read(user, thread)
    payload = as_json(schemas.MessageList(items=[as_message(m) for m in messages], unread=unread))
    db.session.commit()
    return payload


def post_answer(user, thread: Thread, location: str):
    body = validated(NewMessage, json_object())
    message = post_message(user, thread, body.body)
    payload, status, headers = answer(
        as_json(as_message(message)), 201, {"Location": location}, is_referral=False
    )
    return payload, status, headers


@operation(
    "GET",
    f"/referrals/{REFERRAL_ID}/messages",
    "listReferralMessages",
    summary="The messages of a referral's thread, oldest first",
    answer=(200, schemas.MessageList, "The thread (the read is audited and marks it read)."),
    errors=(404,),
    description="The sender's and receiver's practitioners and the network's coordinators "
    "read the thread; anyone else gets 404.",
)
def referral_messages(referral_id: int):
    user = api_user()
    return thread_answer(user, referral_thread(user, referral_id))


@operation(
    "POST",
    f"/referrals/{REFERRAL_ID}/messages",
    "postReferralMessage",
    summary="Post a message on a referral's thread",
    answer=(201, schemas.Message, "The message, posted; the other side is told."),
    errors=(400, 404, 409, 413, 415, 422),
    body=NewMessage,
    idempotent=True,
    description="The other side gets a notification and an e-mail that says only that there "
    "is a new message (never its text). Attachments are posted from the web page.",
)
@idempotent
def post_referral_message(referral_id: int):
    user = api_user()
    thread = referral_thread(user, referral_id)
    location = url_for("api.referral_messages", referral_id=referral_id, _external=True)
    return post_answer(user, thread, location)
