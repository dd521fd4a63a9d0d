"""The API's one error shape: {"error": CODE, "message": TEXT, "fields": {name: TEXT}}."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api.schemas import Error
from app.extensions import db
from app.referrals.errors import StaleReferral
from app.refusals import Refusal

# Codes for the HTTP errors Werkzeug raises (routing, body size, JSON parsing).
HTTP_CODES = {
    400: ("malformed", "The request could not be read: send a JSON object."),
    401: ("unauthorized", "Sign in, or send a valid token as Authorization: Bearer <token>."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "There is no such resource, or you do not have access to it."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as JSON with Content-Type: application/json."),
}


class ApiError(Exception):
    """A refusal the API reports as is."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> tuple[Response, int]:
    response = jsonify(Error(error=code, message=message, fields=fields or {}).model_dump())
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="refnet"'
    return response, status


def invalid(fields: dict[str, str], message: str = "Check the fields.") -> ApiError:
    return ApiError(422, "invalid", message, fields)


def init_error_handlers(bp: Blueprint) -> None:
    """Every refusal in the API is rolled back and answered in the one shape."""

    @bp.errorhandler(ApiError)
    def api_error(exc: ApiError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @bp.errorhandler(Refusal)
    def refusal(exc: Refusal):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @bp.errorhandler(StaleDataError)
    def stale(exc: StaleDataError):
        # Raised at flush or commit when a concurrent request changed the referral first.
        db.session.rollback()
        refusal = StaleReferral()
        return error_response(refusal.status, refusal.code, refusal.message)

    @bp.errorhandler(IntegrityError)
    def conflict(exc: IntegrityError):
        db.session.rollback()
        return error_response(
            409, "conflict", "The change conflicts with data saved meanwhile. Reload and retry."
        )

    @bp.errorhandler(DataError)
    def bad_value(exc: DataError):
        db.session.rollback()
        return error_response(422, "invalid", "A value is out of the range the database keeps.")

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        status = exc.code or 500
        code, message = HTTP_CODES.get(
            status, ((exc.name or "error").lower().replace(" ", "_"), exc.description or "")
        )
        response, status = error_response(status, code, message)
        # A 405 keeps its Allow header (and a 429 its Retry-After).
        response.headers.extend({k: v for k, v in exc.get_headers() if k.lower() != "content-type"})
        return response, status
