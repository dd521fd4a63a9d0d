"""GET /fhir/$export: kick-off, status polling, the manifest and downloads, scoped to what
the requester may see, and nobody else's."""

from __future__ import annotations

import json

import pytest

from app.fhir.jobs import run_pending_exports
from app.models import FhirExportJob, Status
from tests.fhir_export_helpers import assert_valid_r4b, every_state_network, references
from tests.test_fhir_rest import assert_outcome, bearer

ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


@pytest.fixture
def network(make, db):
    found = every_state_network(make, db)
    # A referral between two other members of the network: not the GP's to see.
    a = make.member(found["network"], name="Other Sender")
    b = make.member(found["network"], name="Other Receiver")
    found["not_mine"] = make.referral(a, b, reason="NOT-MINE")
    return found


def path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def kick_off(client, headers, query=""):
    response = client.get(f"/fhir/$export{query}", headers={**headers, **ASYNC})
    assert response.status_code == 202, response.get_data(as_text=True)
    return path(response.headers["Content-Location"])


def test_export_runs_in_the_worker_and_downloads_for_its_requester(client, db, make, network):
    headers = bearer(db, network["sender"])
    status_url = kick_off(client, headers)
    waiting = client.get(status_url, headers=headers)
    assert waiting.status_code == 202
    assert waiting.headers["X-Progress"] == "queued"
    assert run_pending_exports() == 1
    done = client.get(status_url, headers=headers)
    assert done.status_code == 200
    manifest = done.get_json(force=True)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/$export")
    resources = {}
    for entry in manifest["output"]:
        download = client.get(path(entry["url"]), headers=headers)
        assert download.status_code == 200
        assert download.mimetype == "application/fhir+ndjson"
        lines = download.get_data(as_text=True).splitlines()
        download.close()
        assert len(lines) == entry["count"]
        for line in lines:
            resource = json.loads(line)
            resources[f"{resource['resourceType']}/{resource['id']}"] = resource
    assert f"ServiceRequest/sr-{network['not_mine'].id}" not in resources
    assert f"ServiceRequest/sr-{network['referrals'][Status.SENT].id}" in resources
    for key, resource in resources.items():
        assert_valid_r4b(resource)
        for reference in references(resource):
            assert reference in resources, f"{key} -> {reference}"

    # Another user of the same network gets nothing of it.
    other = bearer(db, make.practitioner(network["clinic"]))
    assert_outcome(client.get(status_url, headers=other), 404)
    assert_outcome(client.get(path(manifest["output"][0]["url"]), headers=other), 404)
    assert_outcome(client.get(path(manifest["output"][0]["url"])), 401)
    # Its requester may delete it; then it is gone.
    assert client.delete(status_url, headers=headers).status_code == 202
    assert_outcome(client.get(status_url, headers=headers), 404)


def test_a_running_export_reports_progress(client, db, network):
    headers = bearer(db, network["sender"])
    status_url = kick_off(client, headers, "?_since=2020-01-01T00:00:00Z")
    job = db.session.get(FhirExportJob, int(status_url.rsplit("/", 1)[1]))
    job.state, job.total_referrals, job.done_referrals = "running", 10, 4
    db.session.commit()
    response = client.get(status_url, headers=headers)
    assert response.status_code == 202
    assert response.headers["X-Progress"] == "4 of 10 referrals"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),
        (ASYNC, "?_type=Patient"),
        (ASYNC, "?_outputFormat=text/csv"),
        (ASYNC, "?_since=soon"),
    ],
)
def test_bad_kick_offs_are_400(client, db, network, headers, query):
    token = bearer(db, network["sender"])
    response = client.get(f"/fhir/$export{query}", headers={**token, **headers})
    assert_outcome(response, 400)
    assert db.session.query(FhirExportJob).count() == 0


def test_progress_is_noted_while_the_worker_runs(client, db, network, monkeypatch):
    import app.fhir.jobs as jobs

    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 1)
    noted = []
    real = jobs._progress

    def spying(job_id):
        advance = real(job_id)

        def wrapped(n):
            advance(n)
            db.session.expire_all()
            noted.append(db.session.get(FhirExportJob, job_id).done_referrals)

        return wrapped

    monkeypatch.setattr(jobs, "_progress", spying)
    headers = bearer(db, network["sender"])
    status_url = kick_off(client, headers)
    assert run_pending_exports() == 1
    assert noted and noted[-1] == len(Status)  # the sender's own referrals
    assert client.get(status_url, headers=headers).status_code == 200


def test_the_cli_runs_queued_exports(app, client, db, network):
    headers = bearer(db, network["sender"])
    status_url = kick_off(client, headers)
    result = app.test_cli_runner().invoke(args=["fhir", "run-exports"])
    assert result.exit_code == 0, result.output
    assert "Ran 1 export(s)." in result.output
    assert client.get(status_url, headers=headers).status_code == 200
