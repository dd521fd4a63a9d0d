"""Opt-in (COUNT_STATEMENTS=1): an X-Statement-Count header with the SQL statements a request ran.

For the HTTP benchmark (bench/http.py) and for looking at a page's queries by hand; off by
default, so production pays nothing for it.
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from sqlalchemy import event

from app.extensions import db

HEADER = "X-Statement-Count"
# Kept in the WSGI environ: it lives exactly as long as the request (`g` may outlive it).
_KEY = "refnet.statement_count"


def _count_statement(*_args) -> None:
    if has_request_context():
        request.environ[_KEY] = request.environ.get(_KEY, 0) + 1


def _set_header(response: Response) -> Response:
    response.headers[HEADER] = str(request.environ.get(_KEY, 0))
    return response


def init_statement_count(app: Flask) -> None:
    """Count on every engine of this app; call before the other after_request hooks are set,
    since Flask runs those in reverse order and this one must see their statements too."""
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _count_statement)
    app.after_request(_set_header)
