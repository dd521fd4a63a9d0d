"""flask fhir export: the mapping of every state (DESIGN.md), valid R4B resources,
references that resolve, the manifest, --since, and professional referrals kept home."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.fhir import codes
from app.fhir.systems import CLIENT, MEMBER, REFERRAL, system
from app.models import Status, utcnow
from tests.fhir_export_helpers import (
    assert_valid_r4b,
    every_state_network,
    read_export,
    references,
)

# DESIGN.md, "FHIR mapping of states": ServiceRequest.status, Task.status, business status.
EXPECTED = {
    Status.SENT: ("active", "requested", "sent", "2.0"),
    Status.ACCEPTED: ("active", "accepted", "accepted", "3.0"),
    Status.DECLINED: ("revoked", "rejected", "declined", "4.0"),
    Status.SCHEDULED: ("active", "in-progress", "visit-scheduled", "5.1.1"),
    Status.VISITED: ("active", "in-progress", "visit-complete", "5.1.4"),
    Status.CLOSED: ("completed", "completed", "closed", "7.0"),
    Status.CANCELLED: ("revoked", "cancelled", "cancelled", "6.0"),
    Status.EXPIRED: ("revoked", "failed", "expired", None),
    Status.INFO_REQUESTED: ("on-hold", "on-hold", "info-requested", None),
}


def run_export(app, out, *args):
    result = app.test_cli_runner().invoke(args=["fhir", "export", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return read_export(out)


@pytest.fixture
def network(make, db):
    return every_state_network(make, db)


def test_every_state_maps_as_designed(app, network, tmp_path):
    _, resources = run_export(app, tmp_path)
    for status, (sr_status, task_status, business, bser) in EXPECTED.items():
        referral = network["referrals"][status]
        sr = resources[f"ServiceRequest/sr-{referral.id}"]
        task = resources[f"Task/task-{referral.id}"]
        assert sr["status"] == sr_status, status
        assert task["status"] == task_status, status
        codings = {c["system"]: c["code"] for c in task["businessStatus"]["coding"]}
        assert codings[codes.BUSINESS_STATUS_SYSTEM] == business
        assert codings.get(codes.BSER_BUSINESS_STATUS_SYSTEM) == bser
        assert task["code"]["coding"][0] == {
            "system": "http://hl7.org/fhir/CodeSystem/task-code",
            "code": "fulfill",
        }
        assert task["focus"] == {"reference": f"ServiceRequest/sr-{referral.id}"}
        assert task["for"] == sr["subject"] == {"reference": f"Patient/pat-{referral.client_id}"}
        sender_role = {"reference": f"PractitionerRole/role-{network['gp'].id}"}
        receiver_role = {"reference": f"PractitionerRole/role-{network['clinic'].id}"}
        assert task["requester"] == sr["requester"] == sender_role
        assert task["owner"] == receiver_role and sr["performer"] == [receiver_role]
        assert sr["identifier"] == [{"system": system(REFERRAL), "value": str(referral.id)}]
        assert sr["meta"]["lastUpdated"] and task["meta"]["lastUpdated"]
        assert sr["intent"] == task["intent"] == "order"
        assert sr["priority"] == "routine"
        assert ("statusReason" in task) == (status in codes.STATUS_REASON_STATUSES)
        assert ("output" in task) == (status == Status.CLOSED)
        assert (f"Appointment/appt-{referral.id}" in resources) == (
            referral.appointment_at is not None
        )
        assert (f"Encounter/enc-{referral.id}" in resources) == (referral.visited_at is not None)


def test_reasons_outcome_question_and_visits(app, network, tmp_path):
    _, resources = run_export(app, tmp_path)
    ids = {s: r.id for s, r in network["referrals"].items()}
    declined = resources[f"Task/task-{ids[Status.DECLINED]}"]["statusReason"]
    assert declined["coding"][0]["code"] == "no_capacity"
    assert declined["coding"][0]["system"] == codes.STATUS_REASON_SYSTEM
    assert declined["text"] == "Full until May"
    cancelled = resources[f"Task/task-{ids[Status.CANCELLED]}"]["statusReason"]
    assert cancelled["coding"][0]["code"] == "client_declined"
    expired = resources[f"Task/task-{ids[Status.EXPIRED]}"]["statusReason"]
    assert expired["coding"][0]["code"] == "expired"
    output = resources[f"Task/task-{ids[Status.CLOSED]}"]["output"]
    assert output[0]["valueString"] == "Seen and treated."
    question = resources[f"Communication/com-q{ids[Status.INFO_REQUESTED]}"]
    assert question["payload"] == [{"contentString": "Could you send the latest results?"}]
    assert question["partOf"] == [{"reference": f"Task/task-{ids[Status.INFO_REQUESTED]}"}]
    assert resources[f"Appointment/appt-{ids[Status.SCHEDULED]}"]["status"] == "booked"
    encounter = resources[f"Encounter/enc-{ids[Status.CLOSED]}"]
    assert encounter["status"] == "finished" and encounter["class"]["code"] == "AMB"


def test_directory_patients_and_messages(app, network, tmp_path):
    _, resources = run_export(app, tmp_path)
    gp, clinic, closed = network["gp"], network["clinic"], network["closed_shop"]
    assert resources[f"Practitioner/prac-{gp.id}"]["name"] == [{"text": "Dr Ada GP"}]
    assert resources[f"Organization/org-{gp.id}"]["name"] == "Riverside Practice"
    # A clinic is an Organization with a role and a service, not a Practitioner.
    assert f"Practitioner/prac-{clinic.id}" not in resources
    role = resources[f"PractitionerRole/role-{clinic.id}"]
    assert role["organization"] == {"reference": f"Organization/org-{clinic.id}"}
    assert role["identifier"] == [{"system": system(MEMBER), "value": str(clinic.id)}]
    service = resources[f"HealthcareService/hs-{clinic.id}"]
    assert [s["text"] for s in service["specialty"]] == ["Cardiology", "Echocardiography"]
    assert service["characteristic"][0]["coding"][0]["code"] == "accepting-referrals"
    not_accepting = resources[f"HealthcareService/hs-{closed.id}"]["characteristic"]
    assert not_accepting[0]["coding"][0]["code"] == "not-accepting-referrals"
    client_id = network["referrals"][Status.SENT].client_id
    patient = resources[f"Patient/pat-{client_id}"]
    assert patient["identifier"][0] == {"system": system(CLIENT), "value": str(client_id)}
    assert patient["birthDate"] == "1980-05-17"
    messages = [r for r in resources.values() if r["resourceType"] == "Communication"]
    bodies = {m["payload"][0]["contentString"]: m for m in messages}
    ecg = bodies["Her latest ECG is attached."]
    assert ecg["sender"] == {"reference": f"PractitionerRole/role-{gp.id}"}
    assert ecg["recipient"] == [{"reference": f"PractitionerRole/role-{clinic.id}"}]
    assert "sender" not in bodies["Coordinator here."]


def test_every_resource_is_valid_and_every_reference_resolves(app, network, tmp_path):
    manifest, resources = run_export(app, tmp_path)
    assert manifest["request"] == app.config["BASE_URL"] + "/fhir/$export"
    assert manifest["transactionTime"] and manifest["error"] == []
    assert [o["url"] for o in manifest["output"]] == [
        f"{o['type']}.ndjson" for o in manifest["output"]
    ]
    for key, resource in resources.items():
        assert_valid_r4b(resource)
        assert resource["meta"]["lastUpdated"], key
        for reference in references(resource):
            assert reference in resources, f"{key} -> {reference}"


def test_professional_referrals_never_leave(app, network, tmp_path):
    _, resources = run_export(app, tmp_path)
    text = "".join(p.read_text() for p in tmp_path.glob("*.ndjson"))
    assert "PRO-ONLY" not in text
    assert f"ServiceRequest/sr-{network['professional'].id}" not in resources
    assert sum(r["resourceType"] == "Task" for r in resources.values()) == len(Status)


def test_since_exports_what_changed_and_what_it_references(app, network, db, tmp_path):
    referrals = network["referrals"]
    table = type(referrals[Status.SENT]).__table__
    # Core updates: the model's onupdate would stamp "now".
    db.session.execute(table.update().values(updated_at=utcnow() - timedelta(days=30)))
    db.session.execute(
        table.update().where(table.c.id == referrals[Status.SENT].id).values(updated_at=utcnow())
    )
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).isoformat()
    _, resources = run_export(app, tmp_path, "--since", since)
    tasks = {k for k in resources if k.startswith("Task/")}
    # The referral that changed, and the one with new messages.
    assert tasks == {
        f"Task/task-{referrals[Status.SENT].id}",
        f"Task/task-{referrals[Status.ACCEPTED].id}",
    }
    for key, resource in resources.items():
        for reference in references(resource):
            assert reference in resources, f"{key} -> {reference}"


def test_a_bad_since_is_refused(app, db, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["fhir", "export", "--out", str(tmp_path), "--since", "last tuesday"]
    )
    assert result.exit_code == 2
    assert "not an ISO date" in result.output


def test_ids_are_stable_from_one_export_to_the_next(app, network, tmp_path):
    _, first = run_export(app, tmp_path / "one")
    _, second = run_export(app, tmp_path / "two")
    assert set(first) == set(second)
    assert first == second  # nothing changed in between: the same resources, byte for byte
