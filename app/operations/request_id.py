"""Each request's id: the proxy's X-Request-ID when it is a sane token, a fresh one
otherwise. It is on every log line of the request, in the response's X-Request-ID header
and on error pages, so that a user's "error abc123" leads to the log lines."""

from __future__ import annotations

import re
import uuid

from flask import Flask, has_request_context, request

HEADER = "X-Request-ID"
KEY = "refnet.request_id"
# Letters, digits and . _ : - only, at most 128: nothing that could forge a log line.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id() -> str | None:
    """This request's id (made on first use); None outside a request."""
    if not has_request_context():
        return None
    environ = request.environ
    found = environ.get(KEY)
    if found is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        found = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        environ[KEY] = found
    return found


def _echo(response):
    response.headers[HEADER] = request_id()
    return response


def init_request_id(app: Flask) -> None:
    app.after_request(_echo)
