"""POST /fhir: an eReferral Bundle in, a referral in `sent` out (201), or an OperationOutcome.

Bearer API token (or the signed-in session: a page on another site cannot post
application/fhir+json without a CORS preflight that refnet never grants).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import csrf, db
from app.fhir.importing.body import FHIR_JSON, parse_bundle
from app.fhir.importing.outcome import ImportRefused, refuse
from app.fhir.importing.response import import_response
from app.fhir.importing.service import existing_after_race, import_bundle
from app.fhir.outcome import Issue, fhir_response, operation_outcome
from app.models import User
from app.models.user import acting_user_options
from app.tokens.service import acting_for_token

bp = Blueprint("fhir_import", __name__)
csrf.exempt(bp)


def _caller() -> User:
    header = request.headers.get("Authorization")
    if header is None:
        if current_user.is_authenticated and current_user.is_active:
            return current_user._get_current_object()
        raise refuse("Send an API token as Authorization: Bearer <token>.", "login", status=401)
    scheme, _, secret = header.strip().partition(" ")
    found = acting_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise refuse("The token is unknown, revoked, or its user is inactive.", "login", status=401)
    acting, _noted = found
    user = (
        db.session.scalars(select(User).options(*acting_user_options()).where(User.id == acting.id))
        .unique()
        .one_or_none()
    )
    if user is None or not user.active:
        raise refuse("The token's user is inactive.", "login", status=401)
    return user


@bp.errorhandler(ImportRefused)
def refused(exc: ImportRefused):
    db.session.rollback()
    response = fhir_response(operation_outcome(exc.issues), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="refnet"'
    return response


HTTP_ISSUES = {400: "structure", 413: "too-costly", 415: "not-supported"}


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """A body larger than the limit, sent without Content-Length, and the like."""
    db.session.rollback()
    status = exc.code or 500
    issue = Issue(exc.description or exc.name, HTTP_ISSUES.get(status, "processing"))
    return fhir_response(operation_outcome([issue]), status)


@bp.route("/fhir", methods=["POST"])
def import_referral():
    user = _caller()
    if request.mimetype not in FHIR_JSON:
        raise refuse(
            "Send the Bundle as Content-Type: application/fhir+json.", "not-supported", status=415
        )
    limit = current_app.config["FHIR_IMPORT_MAX_BYTES"]
    # The stream stops one byte past the limit (a chunked body carries no length): reading
    # that byte tells a body that is too large from one that just fits.
    request.max_content_length = limit + 1
    length = request.content_length
    if length is not None and length > limit:
        raise refuse(f"The Bundle is larger than {limit} bytes.", "too-costly", status=413)
    bundle = parse_bundle(request.stream.read(limit + 1), limit)
    try:
        imported = import_bundle(user, bundle)
        db.session.commit()
    except IntegrityError:
        # The same Bundle, posted twice at once: the other request made the referral.
        db.session.rollback()
        existing = existing_after_race(user, bundle)
        if existing is None:
            raise ImportRefused(
                [Issue("The referral conflicts with one saved meanwhile.", "conflict")], 409
            ) from None
        return import_response(existing, created=False, warnings=[])
    return import_response(imported.referral, imported.created, imported.warnings)
