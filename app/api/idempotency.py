"""`Idempotency-Key` on the API's POSTs: the same key and body give the first answer again.

A key is the caller's (stored per user, as "api:<key>"), 1 to 255 visible ASCII characters.
The first request with a key claims it (app.referrals.once) and, when it succeeds, its answer
(status, body, Location) is stored in the same transaction as the change it made. Later:
- the same key with the same method, path and body: that answer again, same status, with
  `Idempotent-Replayed: true`; nothing is done twice;
- the same key with another request: 422 `idempotency_key_reused`;
- a refused request stores nothing (its transaction is rolled back): a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, request

from app.api.auth import api_user
from app.api.errors import ApiError
from app.extensions import db
from app.referrals import once

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
REUSED = "idempotency_key_reused"

# For the OpenAPI document: the header every idempotent operation takes.
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique text of 1 to 255 visible ASCII characters. The same key and "
    "body within your account answer as the first request did (with Idempotent-Replayed: "
    "true) and change nothing again; the same key with another request is 422 "
    f"{REUSED}.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]+$"},
}


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def idempotent(view: Callable) -> Callable:
    """Honour an Idempotency-Key header on this POST view (which answers through `answer`)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not VALID_KEY.fullmatch(key):
            raise ApiError(
                400,
                "malformed",
                f"{HEADER} must be 1 to 255 visible ASCII characters.",
                {HEADER: "1 to 255 visible ASCII characters."},
            )
        user = api_user()
        digest = _request_hash()
        row, claimed = once.claim(user, f"api:{key}", digest)
        if not claimed:
            if row.request_hash != digest:
                raise ApiError(
                    422,
                    REUSED,
                    f"This {HEADER} was used for another request: use a new key.",
                    {HEADER: "Already used for another request."},
                )
            if row.status_code is None:  # the first is still being carried out
                raise ApiError(
                    409, "conflict", f"A request with this {HEADER} is still being carried out."
                )
            stored = json.loads(row.response)
            response = Response(
                json.dumps(stored["body"]), row.status_code, mimetype="application/json"
            )
            response.headers.update(stored["headers"])
            response.headers["Idempotent-Replayed"] = "true"
            return response
        g.idempotency_row = row
        return view(*args, **kwargs)

    return wrapped


def answer(
    payload: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    is_referral: bool = True,
):
    """Commit the change with the answer stored for its key (if the request had one); the
    key's row names the referral when the answer is one (not a message or advice request)."""
    row = g.pop("idempotency_row", None)
    if row is not None:
        row.status_code = status
        row.response = json.dumps({"body": payload, "headers": headers or {}})
        row.referral_id = payload.get("id") if is_referral else None
    db.session.commit()
    return payload, status, headers or {}
