"""Error pages for people, JSON errors for the API: never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, message: str, code: str):
    if _wants_json():
        return jsonify(error=code, message=message, fields={}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400,
            "The form expired or was sent from elsewhere. Reload the page and try again.",
            "csrf",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status, exc.description or "Error")
        return _render(status, message, (exc.name or "error").lower().replace(" ", "_"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()  # nothing half-written survives an unexpected error
        app.logger.exception("unhandled error on %s", request.path)
        return _render(500, "Something went wrong on our side. Nothing was saved.", "server_error")
