"""Bulk Data exports asked for over HTTP (GET /fhir/$export): queued here, run by the
worker (`flask reminders run` polls run_pending_exports; `flask fhir run-exports` runs
them once), written under FHIR_EXPORT_DIR/<job id>/, downloaded by their requester only."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.fhir.access import scope_of
from app.fhir.export import Manifest, count_referrals, export_resources, file_name
from app.fhir.outcome import FhirError
from app.models import FhirExportJob, User
from app.models.base import utcnow
from app.models.user import acting_user_options

NOT_FOUND = "There is no export {}, or it is not yours."
# The progress column is written at most this often (in referrals), not per row.
PROGRESS_EVERY = 10_000


def export_root() -> Path:
    return Path(current_app.config["FHIR_EXPORT_DIR"])


def job_dir(job_id: int) -> Path:
    return export_root() / str(job_id)


def start_export(user, request_url: str, since: datetime | None) -> FhirExportJob:
    """Queue an export of what `user` may see (the caller commits)."""
    job = FhirExportJob(user_id=user.id, request_url=request_url, since=since)
    db.session.add(job)
    db.session.flush()
    return job


def job_of(user, job_id: int) -> FhirExportJob:
    """The caller's own job; 404 for anyone else's (whether it exists is not told)."""
    job = db.session.get(FhirExportJob, job_id)
    if job is None or job.user_id != user.id:
        raise FhirError(404, NOT_FOUND.format(job_id))
    return job


def export_file(user, job_id: int, name: str) -> Path:
    job = job_of(user, job_id)
    wanted = {file_name(t) for t in (job.result or {}).get("counts", {})}
    if job.state != "done" or name not in wanted:
        raise FhirError(404, f"The export {job_id} has no file {name}.")
    return job_dir(job.id) / name


def delete_export(user, job_id: int) -> None:
    job = job_of(user, job_id)
    shutil.rmtree(job_dir(job.id), ignore_errors=True)
    db.session.delete(job)


def _claim() -> FhirExportJob | None:
    """Take the oldest queued job; two workers never take the same one."""
    while True:
        job_id = db.session.scalar(
            select(FhirExportJob.id)
            .where(FhirExportJob.state == "queued")
            .order_by(FhirExportJob.id)
        )
        if job_id is None:
            return None
        claimed = db.session.execute(
            update(FhirExportJob)
            .where(FhirExportJob.id == job_id, FhirExportJob.state == "queued")
            .values(state="running", started_at=utcnow())
        )
        db.session.commit()
        if claimed.rowcount == 1:
            return db.session.get(FhirExportJob, job_id)


def _progress(job_id: int):
    done = 0
    noted = 0

    def advance(n: int) -> None:
        nonlocal done, noted
        done += n
        if done - noted >= PROGRESS_EVERY:
            noted = done
            # On its own connection: the export's read must not be committed under it.
            # Best effort: SQLite may refuse a write beside an open read; the next one wins.
            try:
                with db.engine.begin() as connection:
                    connection.execute(
                        update(FhirExportJob)
                        .where(FhirExportJob.id == job_id)
                        .values(done_referrals=done)
                    )
            except OperationalError:
                current_app.logger.info("FHIR export %s: progress not noted at %s", job_id, done)

    return advance


def run_export(job: FhirExportJob) -> None:
    user = (
        db.session.scalars(
            select(User).options(*acting_user_options()).where(User.id == job.user_id)
        )
        .unique()
        .one()
    )
    scope = scope_of(user, job.since)
    job.total_referrals = count_referrals(scope)
    db.session.commit()
    directory = job_dir(job.id)
    manifest: Manifest = export_resources(directory, scope, job.request_url, _progress(job.id))
    job.done_referrals = job.total_referrals
    job.result = {
        "transactionTime": manifest.transaction_time.isoformat(),
        "counts": manifest.counts,
    }
    job.state = "done"
    job.finished_at = utcnow()
    db.session.commit()


def run_pending_exports() -> int:
    """Run every queued export, one after another; returns how many ran."""
    ran = 0
    while (job := _claim()) is not None:
        try:
            run_export(job)
        except Exception as exc:
            db.session.rollback()
            current_app.logger.exception("FHIR export %s failed", job.id)
            db.session.execute(
                update(FhirExportJob)
                .where(FhirExportJob.id == job.id)
                .values(state="failed", error=str(exc)[:500], finished_at=utcnow())
            )
            db.session.commit()
        ran += 1
    return ran


def manifest_of(job: FhirExportJob, url_of) -> dict:
    counts = job.result["counts"]
    manifest = Manifest(
        transaction_time=datetime.fromisoformat(job.result["transactionTime"]),
        request=job.request_url,
        counts=counts,
    )
    return manifest.as_json(url_of, requires_token=True)
