"""Reading a JSON request body: an object, with each field of the JSON type it must have.

The services check values (ranges, lengths, dates); this layer makes sure that they only
ever see the JSON types they were written for, so no input reaches them as a surprise.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from app.api.errors import ApiError, invalid

# What each JSON type is called in messages.
INTEGER, STRING, BOOLEAN, OBJECT, NUMBER_OR_STRING = "int", "str", "bool", "obj", "num|str"
MESSAGES = {
    INTEGER: "must be a whole number",
    STRING: "must be text",
    BOOLEAN: "must be true or false",
    OBJECT: "must be an object",
    NUMBER_OR_STRING: 'must be an amount, as a number or a string like "1250.00"',
}


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
    if not _valid_unicode(body):
        raise ApiError(400, "malformed", "The body contains text that is not valid Unicode.")
    return body


def _valid_unicode(value: Any, depth: int = 0) -> bool:
    """No lone surrogates (\\ud800): no database can store them."""
    if depth > 32:
        return False
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(
            _valid_unicode(k, depth + 1) and _valid_unicode(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return all(_valid_unicode(v, depth + 1) for v in value)
    return True


def _fits(value: Any, kind: str) -> bool:
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STRING:
        return isinstance(value, str)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == OBJECT:
        return isinstance(value, dict)
    if kind == NUMBER_OR_STRING:
        if isinstance(value, float):
            return math.isfinite(value)
        return isinstance(value, str | int) and not isinstance(value, bool)
    raise AssertionError(kind)


def typed_fields(
    body: dict[str, Any], spec: dict[str, str], *, prefix: str = "", required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields of `spec` found in `body` (null counts as absent); 422 for a wrong type."""
    problems: dict[str, str] = {}
    found: dict[str, Any] = {}
    for name, kind in spec.items():
        value = body.get(name)
        if value is None:
            if name in required:
                problems[prefix + name] = f"{name} is required."
            continue
        if not _fits(value, kind):
            problems[prefix + name] = f"{name} {MESSAGES[kind]}."
            continue
        found[name] = value
    if problems:
        raise invalid(problems)
    return found
