"""The member directory as Open Referral HSDS 3.0 JSON (issue 13 item 4b)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from app.members.identifiers import identify_member
from app.models import Role
from app.tokens.service import create_token
from tests.hsds_schema import EXPORT

NPI = "http://hl7.org/fhir/sid/us-npi"
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _uri(value) -> bool:
    parsed = urlparse(value)
    return bool(parsed.scheme and (parsed.netloc or parsed.path))


def _valid(document: dict) -> None:
    validator = Draft202012Validator(EXPORT, format_checker=FORMATS)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


@pytest.fixture
def directory(make, db):
    network = make.network(name="North Health", kind="clinical")
    other_network = make.network(name="South Health", kind="clinical")
    clinic = make.member(
        network,
        name="Harbour Cardiology",
        specialties=["Cardiology", "Echocardiography"],
        organization="Harbour Hospital",
        address="1 Quay Street",
        city="Portsmouth",
        postcode="PO1 2AB",
        email="cardio@example.org",
        phone="+44 23 9200 0000",
        capacity=12,
        bio="Outpatient clinic.",
    )
    gp = make.member(
        network, name="Dr Ada Okafor", specialties=["General practice"], accepting=False
    )
    gone = make.member(network, name="Closed Practice", active=False)
    far = make.member(other_network, name="South Physio", specialties=["Physiotherapy"])
    identify_member(None, clinic, NPI, "1234567893")
    db.session.commit()
    return {
        "network": network,
        "clinic": clinic,
        "gp": gp,
        "gone": gone,
        "far": far,
        "other_network": other_network,
    }


def _names(document) -> set[str]:
    return {o["name"] for o in document["organizations"]}


def test_cli_export_is_hsds_3_0_with_attributes_for_specialties_and_accepting(
    app, db, directory, tmp_path
):
    out = tmp_path / "directory.json"
    result = app.test_cli_runner().invoke(
        args=["directory", "export", "--format", "hsds", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    _valid(document)
    assert document["hsds_version"] == "3.0"
    assert _names(document) == {"Harbour Cardiology", "Dr Ada Okafor", "South Physio"}
    clinic = next(o for o in document["organizations"] if o["name"] == "Harbour Cardiology")
    assert clinic["alternate_name"] == "Harbour Hospital"
    assert clinic["organization_identifiers"][0]["identifier"] == "1234567893"
    service = next(s for s in document["services"] if s["organization_id"] == clinic["id"])
    labels = {a["taxonomy_term"]["name"]: a.get("value") for a in service["attributes"]}
    assert labels == {
        "Cardiology": None,
        "Echocardiography": None,
        "Accepting new referrals": "true",
        "New referrals a week": "12",
    }
    assert service["contacts"][0]["phones"][0]["number"] == "+44 23 9200 0000"
    location_id = service["service_at_locations"][0]["location_id"]
    location = next(loc for loc in document["locations"] if loc["id"] == location_id)
    assert location["addresses"][0]["postal_code"] == "PO1 2AB"
    gp_service = next(s for s in document["services"] if s["name"] == "Referrals to Dr Ada Okafor")
    accepting = [a for a in gp_service["attributes"] if a["label"] == "Accepting new referrals"]
    assert accepting[0]["value"] == "false"
    # Every attribute's term is listed once among the taxonomy terms.
    term_ids = {t["id"] for t in document["taxonomy_terms"]}
    assert all(
        a["taxonomy_term_id"] in term_ids for s in document["services"] for a in s["attributes"]
    )
    assert len(term_ids) == len(document["taxonomy_terms"])


def test_ids_are_stable_between_exports(app, db, directory, tmp_path):
    runs = []
    for name in ("one.json", "two.json"):
        out = tmp_path / name
        app.test_cli_runner().invoke(args=["directory", "export", "--out", str(out)])
        document = json.loads(out.read_text())
        runs.append([o["id"] for o in document["organizations"]])
    assert runs[0] == runs[1]


def test_cli_export_of_one_network(app, db, directory, tmp_path):
    out = tmp_path / "north.json"
    network_id = directory["network"].id
    result = app.test_cli_runner().invoke(
        args=["directory", "export", "--out", str(out), "--network", str(network_id)]
    )
    assert result.exit_code == 0
    assert _names(json.loads(out.read_text())) == {"Harbour Cardiology", "Dr Ada Okafor"}
    missing = app.test_cli_runner().invoke(
        args=["directory", "export", "--out", str(out), "--network", "999999"]
    )
    assert missing.exit_code == 1


def _get(client, db, user, query=""):
    _token, secret = create_token(user, "directory")
    db.session.commit()
    return client.get(
        f"/api/v1/directory/hsds{query}", headers={"Authorization": f"Bearer {secret}"}
    )


def test_api_scopes_the_directory_to_the_caller_s_networks(client, db, make, directory):
    practitioner = make.practitioner(directory["gp"])
    response = _get(client, db, practitioner)
    assert response.status_code == 200
    document = response.get_json()
    _valid(document)
    assert _names(document) == {"Harbour Cardiology", "Dr Ada Okafor"}
    admin = make.user(Role.ADMIN)
    assert "South Physio" in _names(_get(client, db, admin).get_json())
    far = directory["other_network"].id
    assert _get(client, db, practitioner, f"?network={far}").status_code == 404
    assert _get(client, db, practitioner, "?network=abc").status_code == 422
    assert client.get("/api/v1/directory/hsds").status_code == 401


def test_the_openapi_document_describes_the_hsds_export(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/directory/hsds"]["get"]
    assert operation["operationId"] == "getDirectoryHsds"
    assert [p["name"] for p in operation["parameters"]] == ["network"]


def test_the_schema_check_catches_a_misnamed_or_missing_field(app, db, directory):
    from app.directory_export.hsds import directory_members, hsds_document

    document = hsds_document(db.session.scalars(directory_members()))
    document["services"][0].pop("status")
    document["organizations"][0]["zip"] = "PO1"
    validator = Draft202012Validator(EXPORT, format_checker=FORMATS)
    assert len(list(validator.iter_errors(document))) == 2
