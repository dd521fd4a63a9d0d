"""Reading a JSON request body as it arrives: declared JSON, valid JSON, an object, storable
text. What each field must be is for the models of app.api.inputs."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from app.api.errors import ApiError
from app.fields import valid_unicode


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object() -> dict[str, Any]:
    """The body as a JSON object; 415 if it is not declared JSON, 400 if it is not one."""
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json.",
        )
    raw = request.get_data(cache=True)  # 413 above MAX_BODY_BYTES
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed", "The body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", "The body must be a JSON object.")
    if not valid_unicode(body):
        raise ApiError(400, "malformed", "The body contains text that is not valid Unicode.")
    return body
