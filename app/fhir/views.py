"""FHIR R4 REST under /fhir (application/fhir+json): metadata, reads, searches, one
referral as a Bundle. Thin: reads.py and search.py hold the rules."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for

from app.extensions import csrf, db
from app.fhir.access import acting, authenticate
from app.fhir.capability import capability_statement
from app.fhir.ids import instant
from app.fhir.outcome import FhirError, fhir_response, outcome_response
from app.fhir.reads import READABLE, read_resource, referral_bundle_resources
from app.fhir.search import SEARCHABLE, search
from app.models.base import utcnow

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)  # GETs and bearer tokens only: no form posts


@bp.errorhandler(FhirError)
def _refused(exc: FhirError) -> Response:
    db.session.rollback()
    return outcome_response(exc.status, exc.diagnostics, exc.expression)


bp.before_request(authenticate)


def base_url() -> str:
    return url_for("fhir.metadata", _external=True).removesuffix("/metadata")


def _done(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    db.session.commit()  # the audit rows of the reads
    return fhir_response(body, status, headers)


@bp.get("/metadata")
def metadata() -> Response:
    return fhir_response(capability_statement(base_url(), instant(utcnow())))


@bp.get("/<resource_type>/<logical_id>")
def read(resource_type: str, logical_id: str) -> Response:
    return _done(read_resource(acting(), resource_type, logical_id))


@bp.get("/<resource_type>")
def search_type(resource_type: str) -> Response:
    if resource_type not in SEARCHABLE:
        if resource_type in READABLE:
            raise FhirError(405, f"{resource_type} can be read by id; search is not supported.")
        raise FhirError(404, f"refnet does not serve the resource type {resource_type}.")
    page = search(acting(), resource_type, request.args)
    base = base_url()
    links = [{"relation": "self", "url": request.url}]
    if page.next_cursor is not None:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "_cursor"]
        args.append(("_cursor", str(page.next_cursor)))
        links.append({"relation": "next", "url": f"{base}/{resource_type}?{urlencode(args)}"})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(utcnow()),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{resource_type}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in page.resources
        ],
    }
    return _done(bundle)


@bp.get("/ServiceRequest/<logical_id>/$bundle")
def referral_bundle(logical_id: str) -> Response:
    resources = referral_bundle_resources(acting(), logical_id)
    base = base_url()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(utcnow()),
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
    return _done(bundle)


from app.fhir import views_export  # noqa: E402, F401 - the $export routes register on bp
