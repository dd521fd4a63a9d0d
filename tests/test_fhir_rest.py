"""FHIR REST under /fhir: metadata, reads, searches with paging, one referral as a Bundle,
OperationOutcome errors, and the app's access rules for API tokens (IDOR included)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select

from app.models import AuditLog, Role, Status, utcnow
from app.tokens.service import create_token
from tests.fhir_export_helpers import assert_valid_r4b, every_state_network, references


@pytest.fixture
def network(make, db):
    return every_state_network(make, db)


def bearer(db, user) -> dict:
    _, secret = create_token(user, "fhir test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def get(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    return response


def assert_outcome(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json(force=True)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["severity"] == "error"
    return body


def test_metadata_is_public_and_says_what_is_served(client, db):
    response = get(client, "/fhir/metadata", {})
    assert response.status_code == 200
    body = response.get_json(force=True)
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1"
    types = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert {"ServiceRequest", "Task", "Patient", "PractitionerRole"} <= set(types)
    assert {p["name"] for p in types["Task"]["searchParam"]} == {
        "patient",
        "status",
        "_lastUpdated",
        "_count",
    }
    assert types["ServiceRequest"]["operation"][0]["name"] == "bundle"
    assert "searchParam" not in types["Patient"]
    assert body["rest"][0]["interaction"] == [
        {"code": "transaction", "documentation": body["rest"][0]["interaction"][0]["documentation"]}
    ]


def test_without_a_token_401(client, network):
    referral = network["referrals"][Status.SENT]
    assert_outcome(get(client, f"/fhir/ServiceRequest/sr-{referral.id}", {}), 401)
    bad = {"Authorization": "Bearer rn_nonsense"}
    assert_outcome(get(client, f"/fhir/ServiceRequest/sr-{referral.id}", bad), 401)


def test_a_party_reads_every_resource_of_its_referral(client, db, network):
    headers = bearer(db, network["sender"])
    referral = network["referrals"][Status.CLOSED]
    response = get(client, f"/fhir/ServiceRequest/sr-{referral.id}/$bundle", headers)
    assert response.status_code == 200
    bundle = response.get_json(force=True)
    Bundle.model_validate(bundle)
    keys = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    for entry in bundle["entry"]:
        assert entry["fullUrl"].endswith(
            f"/fhir/{entry['resource']['resourceType']}/{entry['resource']['id']}"
        )
        for reference in references(entry["resource"]):
            assert reference in keys, reference
    assert {"Task", "Patient", "Encounter", "Organization", "Practitioner"} <= {
        key.split("/")[0] for key in keys
    }
    for key in keys:
        one = get(client, f"/fhir/{key}", headers)
        assert one.status_code == 200, key
        assert_valid_r4b(one.get_json(force=True))
    audited = db.session.scalars(select(AuditLog.detail).where(AuditLog.entity_id == referral.id))
    assert "fhir Bundle" in set(audited)


def test_others_get_404_for_what_they_may_not_see(client, db, make, network):
    outsider_network = make.network(name="Elsewhere", kind="clinical")
    outsider = make.practitioner(make.member(outsider_network))
    other_coordinator = make.user(Role.COORDINATOR, networks=[outsider_network])
    referral = network["referrals"][Status.ACCEPTED]
    urls = [
        f"/fhir/ServiceRequest/sr-{referral.id}",
        f"/fhir/Task/task-{referral.id}",
        f"/fhir/Patient/pat-{referral.client_id}",
        f"/fhir/PractitionerRole/role-{network['clinic'].id}",
        f"/fhir/Organization/org-{network['clinic'].id}",
        f"/fhir/ServiceRequest/sr-{referral.id}/$bundle",
    ]
    for user in (outsider, other_coordinator):
        headers = bearer(db, user)
        for url in urls:
            assert_outcome(get(client, url, headers), 404)
        found = get(client, "/fhir/Task", headers).get_json(force=True)
        assert found.get("entry", []) == []
    # The network's coordinator sees them all.
    coordinator = make.user(Role.COORDINATOR, networks=[network["network"]])
    headers = bearer(db, coordinator)
    assert all(get(client, url, headers).status_code == 200 for url in urls)


def test_professional_referrals_are_not_served(client, db, network):
    headers = bearer(db, network["sender"])
    professional = network["professional"]
    assert_outcome(get(client, f"/fhir/ServiceRequest/sr-{professional.id}", headers), 404)
    ids = {
        e["resource"]["id"]
        for e in get(client, "/fhir/ServiceRequest?_count=500", headers).get_json(force=True)[
            "entry"
        ]
    }
    assert f"sr-{professional.id}" not in ids
    assert len(ids) == len(Status)


def test_search_by_status_patient_and_last_updated(client, db, network):
    headers = bearer(db, network["sender"])
    referrals = network["referrals"]
    body = get(client, "/fhir/Task?status=on-hold", headers).get_json(force=True)
    assert body["type"] == "searchset"
    assert [e["resource"]["id"] for e in body["entry"]] == [
        f"task-{referrals[Status.INFO_REQUESTED].id}"
    ]
    revoked = get(client, "/fhir/ServiceRequest?status=revoked", headers).get_json(force=True)
    assert {e["resource"]["id"] for e in revoked["entry"]} == {
        f"sr-{referrals[s].id}" for s in (Status.DECLINED, Status.CANCELLED, Status.EXPIRED)
    }
    closed = referrals[Status.CLOSED]
    mine = get(client, f"/fhir/Task?patient=Patient/pat-{closed.client_id}", headers)
    assert [e["resource"]["id"] for e in mine.get_json(force=True)["entry"]] == [
        f"task-{closed.id}"
    ]
    later = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    earlier = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    none = get(client, f"/fhir/Task?_lastUpdated=ge{later}", headers).get_json(force=True)
    assert none.get("entry", []) == []
    window = f"/fhir/Task?_lastUpdated=ge{earlier}&_lastUpdated=lt{later}&_count=500"
    assert len(get(client, window, headers).get_json(force=True)["entry"]) == len(Status)


def test_paging_follows_next_links_to_the_end(client, db, network):
    headers = bearer(db, network["sender"])
    url, seen = "/fhir/ServiceRequest?_count=4", []
    while url:
        body = get(client, url, headers).get_json(force=True)
        Bundle.model_validate(body)
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        assert len(body.get("entry", [])) <= 4
        nexts = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = nexts[0].split("localhost", 1)[-1] if nexts else None
    assert len(seen) == len(set(seen)) == len(Status)


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "patient=Practitioner/1",
        "_count=0",
        "_count=abc",
        "_lastUpdated=yesterday",
        "_lastUpdated=ne2026-01-01",
        "subject=Patient/pat-1",
    ],
)
def test_bad_searches_are_400_operation_outcomes(client, db, network, query):
    headers = bearer(db, network["sender"])
    assert_outcome(get(client, f"/fhir/Task?{query}", headers), 400)


def test_unknown_types_and_ids(client, db, network):
    headers = bearer(db, network["sender"])
    assert_outcome(get(client, "/fhir/Observation/1", headers), 404)
    assert_outcome(get(client, "/fhir/Task/sr-1", headers), 404)
    assert_outcome(get(client, "/fhir/Task/task-999999", headers), 404)
    assert_outcome(get(client, "/fhir/Patient", headers), 405)
    assert_outcome(get(client, "/fhir/Task/task-1/extra/path", headers), 404)
