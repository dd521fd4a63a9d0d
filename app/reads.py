"""Views that only read: their SELECTs run without a transaction around them.

A transaction costs two round trips to PostgreSQL (BEGIN before the first statement and
ROLLBACK at the end of the request), as many as the list pages' own queries. For a view
that only reads, it buys nothing: under READ COMMITTED, PostgreSQL's default, each SELECT
sees its own snapshot inside a transaction as well. So a GET of a view marked `@reads_only`
takes its connection in autocommit mode. The few writes such a request may still make are
single statements that stand alone (a session's or a token's "last seen", once a minute;
the end of an idle session); after their commit the request's next statement is back in
an ordinary transaction. A view that writes more than one row must not be marked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from app.extensions import db

View = TypeVar("View", bound=Callable)
_MARK = "refnet_reads_only"


def reads_only(view: View) -> View:
    """Mark a view (under its @route) as one that reads only, on GET and HEAD."""
    setattr(view, _MARK, True)
    return view


def _autocommit_reads() -> None:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    # A session that is already in a transaction (one app context around several requests,
    # as in tests) stays in it.
    if getattr(view, _MARK, False) and db.session().get_transaction() is None:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def init_reads(app: Flask) -> None:
    """Before every other hook, so that the session's user is read without a transaction."""
    app.before_request(_autocommit_reads)
