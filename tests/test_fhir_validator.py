"""Every exported resource, referrals in every state, through independent FHIR R4
validators from npm (tests/fhir_validator: Medplum's validateResource on the base R4
definitions for structure and invariants, FHIR.js for codes of required bindings).

`make test` installs them with `npm ci`; this test does so too when they are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fhir_export_helpers import every_state_network

VALIDATOR = Path(__file__).parent / "fhir_validator"


@pytest.fixture(scope="session")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the FHIR validator runs on Node.js")
    if not (VALIDATOR / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=VALIDATOR, check=True)
    return node


def validate(node: str, directory: Path) -> subprocess.CompletedProcess:
    lines = "".join(p.read_text() for p in sorted(directory.glob("*.ndjson")))
    return subprocess.run(
        [node, str(VALIDATOR / "validate.mjs")],
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
    )


def export(app, out: Path) -> None:
    result = app.test_cli_runner().invoke(args=["fhir", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_the_validator_catches_a_bad_code(node, tmp_path):
    """The validator is not a rubber stamp: a code outside its value set is an error."""
    bad = {"resourceType": "Task", "id": "t1", "status": "bogus", "intent": "order"}
    (tmp_path / "Task.ndjson").write_text(json.dumps(bad) + "\n")
    result = validate(node, tmp_path)
    assert result.returncode == 1
    assert "Task.status" in result.stdout


def test_every_state_validates(app, make, db, node, tmp_path):
    every_state_network(make, db)
    export(app, tmp_path)
    result = validate(node, tmp_path)
    assert result.returncode == 0, result.stdout[:3000]
    assert "0 with errors" in result.stderr


def test_the_demo_network_validates(app, db, node, tmp_path):
    loaded = app.test_cli_runner().invoke(
        args=["demo-data", "--members", "12", "--referrals", "150", "--anchor", "2026-03-15"]
    )
    assert loaded.exit_code == 0, loaded.output
    export(app, tmp_path)
    tasks = (tmp_path / "Task.ndjson").read_text().splitlines()
    business = {json.loads(t)["businessStatus"]["coding"][0]["code"] for t in tasks}
    assert len(business) == 9, business  # the demo has every state
    result = validate(node, tmp_path)
    assert result.returncode == 0, result.stdout[:3000]


def test_rest_answers_validate(app, client, make, db, node, tmp_path):
    """The CapabilityStatement, a referral's Bundle, a searchset and an OperationOutcome."""
    from app.models import Status
    from tests.test_fhir_rest import bearer

    network = every_state_network(make, db)
    headers = bearer(db, network["sender"])
    referral = network["referrals"][Status.SCHEDULED]
    urls = [
        "/fhir/metadata",
        f"/fhir/ServiceRequest/sr-{referral.id}/$bundle",
        "/fhir/Task?_count=3",
        "/fhir/Task?status=bogus",
        "/fhir/Patient/pat-999999",
    ]
    lines = [json.dumps(client.get(url, headers=headers).get_json(force=True)) for url in urls]
    (tmp_path / "answers.ndjson").write_text("\n".join(lines) + "\n")
    result = validate(node, tmp_path)
    assert result.returncode == 0, result.stdout[:3000]
    assert "validated 5 resources, 0 with errors" in result.stderr
