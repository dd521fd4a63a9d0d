"""Error pages for people, JSON errors for the API: never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, has_request_context, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    default_exceptions,
)

from app.extensions import db
from app.operations.request_id import request_id
from app.refusals import Refusal

MESSAGES = {
    400: "The request could not be understood. Check the form and try again.",
    401: "Please sign in.",
    403: "You do not have access to this page.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This action is not available here.",
    409: "This record changed while you were working on it. Reload and try again.",
    410: "This link is no longer valid.",
    413: "The upload is too large.",
    422: "The request could not be carried out.",
    429: "Too many requests. Wait a moment and try again.",
}


# Set on the request when it has committed anything: from then on an error page must not say
# that nothing was saved (nor claim that everything was: the commit may have been a token's
# last use, before the change asked for).
COMMITTED = "refnet.committed"
AFTER_COMMIT = (
    "Something went wrong on our side after some of it was saved. "
    "Reload the page to see what was kept."
)


def _note_commit(_session) -> None:
    if has_request_context():
        request.environ[COMMITTED] = True


def _wants_json() -> bool:
    return (
        request.path.startswith(("/api/", "/fhir"))
        or request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, message: str, code: str, headers=None):
    rid = request_id()
    if request.path == "/fhir" or request.path.startswith("/fhir/"):
        from app.fhir.outcome import outcome_response  # FHIR clients read OperationOutcomes

        response = outcome_response(status, message)
        response.headers.extend(headers or {})
        response.headers["X-Request-ID"] = rid
        return response
    if _wants_json():
        body = {"error": code, "message": message, "fields": {}}
        if status >= 500:  # the API's 4xx shape stays {error, message, fields}; the header has it
            body["request_id"] = rid
        response = jsonify(body)
    else:
        page = render_template("errors/error.html", status=status, message=message, request_id=rid)
        response = make_response(page)
    response.status_code = status
    response.headers.extend(headers or {})
    return response


def _kept_headers(exc: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries (a 405's Allow, a 401's WWW-Authenticate, a 429's
    Retry-After), not its own body's Content-Type."""
    return {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


def _http_error(exc: HTTPException):
    status = exc.code or 500
    message = MESSAGES.get(status, exc.description or "Error")
    code = (exc.name or "error").lower().replace(" ", "_")
    return _render(status, message, code, _kept_headers(exc))


def _server_error(exc: InternalServerError):
    """An unexpected error (Flask logged it with the request id): nothing half-written
    survives, and the page quotes the id. In debug and in tests with PROPAGATE_EXCEPTIONS,
    Flask raises the exception instead of coming here: the debugger and the test see it."""
    db.session.rollback()
    if request.environ.get(COMMITTED):
        return _render(500, AFTER_COMMIT, "server_error_after_commit")
    return _render(500, "Something went wrong on our side. Nothing was saved.", "server_error")


def init_errors(app: Flask) -> None:
    if not event.contains(db.session, "after_commit", _note_commit):
        event.listen(db.session, "after_commit", _note_commit)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400,
            "The form expired or was sent from elsewhere. Reload the page and try again.",
            "csrf",
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # The Host header is not one of TRUSTED_HOSTS: no URL can be built, so no page either.
        return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(Refusal)
    def refused(exc: Refusal):
        # A service refused and the view did not show it in place: its page, nothing saved.
        db.session.rollback()
        return _render(exc.status, exc.message, exc.code)

    # One handler per HTTP error status Werkzeug knows; 500 also receives every unexpected
    # exception (Flask wraps it) once it is not propagated.
    for status in ERROR_STATUSES:
        app.register_error_handler(status, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
    _blueprints_keep_their_own(app)


# 500 is left out: its handler is the app's (logged, rolled back, quoting the request id).
ERROR_STATUSES = [status for status in default_exceptions if status >= 400 and status != 500]


def _blueprints_keep_their_own(app: Flask) -> None:
    """Flask asks the app's handler for a status before a blueprint's handler for all
    HTTPExceptions: give a blueprint that answers HTTP errors in its own shape (the API's
    JSON, FHIR's OperationOutcome) that handler for each status, so it still comes first."""
    for name, spec in app.error_handler_spec.items():
        own = spec.get(None, {}).get(HTTPException) if name is not None else None
        if own is not None:
            for status in ERROR_STATUSES:
                spec[status].setdefault(HTTPException, own)
