"""Bulk Data export over HTTP: GET /fhir/$export (Prefer: respond-async) -> 202 and a status
URL; the status answers 202 with X-Progress until the worker is done, then the manifest;
files download for the requester only."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request, send_file, url_for

from app.extensions import db
from app.fhir.access import acting
from app.fhir.jobs import delete_export, export_file, job_of, manifest_of, start_export
from app.fhir.outcome import FhirError, fhir_response, outcome_response
from app.fhir.views import bp

OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
PARAMETERS = {"_since", "_outputFormat"}
RETRY_SECONDS = "5"


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FhirError(400, f"_since needs a FHIR instant, not {value!r}.", "_since") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@bp.get("/$export")
def kick_off() -> Response:
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "A bulk export runs asynchronously: send Prefer: respond-async.")
    for name in request.args:
        if name not in PARAMETERS:
            raise FhirError(400, f"refnet's $export does not support {name!r}.", name)
    output_format = request.args.get("_outputFormat")
    if output_format and output_format not in OUTPUT_FORMATS:
        raise FhirError(400, "_outputFormat must be application/fhir+ndjson.", "_outputFormat")
    job = start_export(acting(), request.url, _since(request.args.get("_since")))
    db.session.commit()
    status_url = url_for("fhir.export_status", job_id=job.id, _external=True)
    response = fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": "Export queued.",
                }
            ],
        },
        202,
        {"Content-Location": status_url},
    )
    return response


@bp.get("/$export-status/<int:job_id>")
def export_status(job_id: int) -> Response:
    job = job_of(acting(), job_id)
    if job.state in ("queued", "running"):
        if job.state == "queued":
            progress = "queued"
        else:
            progress = f"{job.done_referrals} of {job.total_referrals or 0} referrals"
        response = Response(status=202)
        response.headers["X-Progress"] = progress
        response.headers["Retry-After"] = RETRY_SECONDS
        response.headers["Cache-Control"] = "no-store"
        return response
    if job.state == "failed":
        return outcome_response(500, f"The export failed: {job.error or 'unknown error'}")

    def url_of(name: str) -> str:
        return url_for("fhir.export_download", job_id=job.id, name=name, _external=True)

    response = fhir_response(manifest_of(job, url_of))
    response.headers["Content-Type"] = "application/json"  # the Bulk Data manifest is plain JSON
    response.headers["Expires"] = "0"
    return response


@bp.delete("/$export-status/<int:job_id>")
def export_delete(job_id: int) -> Response:
    delete_export(acting(), job_id)
    db.session.commit()
    return Response(status=202)


@bp.get("/$export-file/<int:job_id>/<name>")
def export_download(job_id: int, name: str) -> Response:
    path = export_file(acting(), job_id, name)
    response = send_file(path, mimetype="application/fhir+ndjson", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
