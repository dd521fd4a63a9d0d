"""The conversation actions through the JSON API: who may take each, what stale versions get,
what the referral and its timeline say afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Referral, Role, Status, utcnow
from app.referrals.answer_clock import answer_clock, answer_clock_started
from tests.test_api import API, act, bearer, make_net, send


@pytest.fixture
def net(make, db) -> dict:
    found = make_net(make, db)
    outsider = make.member(found["network"], name="Outsider Clinic")
    found["o"] = bearer(db, make.practitioner(outsider, name="Dr Outside"))
    found["coord"] = bearer(db, make.user(Role.COORDINATOR, networks=[found["network"]]))
    return found


def _read(client, headers, referral_id) -> dict:
    return client.get(f"{API}/referrals/{referral_id}", headers=headers).get_json()


def test_ask_and_answer_through_the_api(client, net, db):
    sent = send(client, net)
    asked = act(client, net["b"], sent, "request-info", question="Latest ECG, please?")
    assert asked.status_code == 200, asked.get_json()
    body = asked.get_json()
    assert body["status"] == "info_requested" and body["version"] == 2
    assert body["info_question"] == "Latest ECG, please?" and body["info_requested_at"]
    assert body["allowed_actions"] == []  # the receiver waits now
    seen_by_sender = _read(client, net["a"], sent["id"])
    assert seen_by_sender["allowed_actions"] == ["provide-info", "cancel"]
    assert seen_by_sender["events"][-1]["note"] == "Latest ECG, please?"

    # The receiver cannot answer its own question; the sender cannot ask.
    assert act(client, net["b"], body, "provide-info", answer="x y").status_code == 403
    assert act(client, net["a"], sent, "request-info", question="Why?").status_code == 403
    # A stale version: 409; no answer: 422 naming it; an outsider: 404.
    assert act(client, net["a"], sent, "provide-info", answer="Attached").status_code == 409
    missing = act(client, net["a"], body, "provide-info")
    assert missing.status_code == 422 and "answer" in missing.get_json()["fields"]
    assert act(client, net["o"], body, "provide-info", answer="Here").status_code == 404

    referral = db.session.get(Referral, sent["id"])
    referral.info_requested_at = utcnow() - timedelta(hours=5)  # asked five hours ago
    db.session.commit()
    body = _read(client, net["a"], sent["id"])  # the version moved with that change
    answered = act(client, net["a"], body, "provide-info", answer="ECG attached: normal.")
    assert answered.status_code == 200, answered.get_json()
    done = answered.get_json()
    assert done["status"] == "sent" and done["info_question"] is None
    assert done["info_requested_at"] is None
    assert 5 * 3600 <= done["sender_wait_seconds"] < 5 * 3600 + 60
    assert [e["action"] for e in done["events"]] == ["send", "request-info", "provide-info"]
    assert done["version"] == body["version"] + 1
    assert done["events"][-1]["note"] == "ECG attached: normal."
    assert _read(client, net["b"], sent["id"])["allowed_actions"][0] == "accept"

    db.session.expire_all()
    referral = db.session.get(Referral, sent["id"])
    now = utcnow() + timedelta(hours=6)
    assert answer_clock_started(referral) == referral.sent_at + timedelta(
        seconds=done["sender_wait_seconds"]
    )
    assert answer_clock(referral, now) == now - answer_clock_started(referral)


def test_the_answer_clock_stops_while_the_referral_waits_on_its_sender(make, db):
    network = make.network()
    sender, receiver = make.member(network), make.member(network)
    now = utcnow()
    waiting = make.referral(
        sender,
        receiver,
        Status.INFO_REQUESTED,
        sent_at=now - timedelta(days=3),
        info_requested_at=now - timedelta(days=1),
        sender_wait_seconds=3600,
    )
    assert answer_clock(waiting, now) == timedelta(days=2, hours=-1)
    assert answer_clock(waiting, now + timedelta(days=9)) == timedelta(days=2, hours=-1)


def test_sender_or_coordinator_may_cancel_while_the_question_is_open(client, net):
    first = send(client, net)
    asked = act(client, net["b"], first, "request-info", question="Results?").get_json()
    refused = act(client, net["b"], asked, "cancel", reason="Too late", reason_code="other")
    assert refused.status_code == 403
    cancelled = act(
        client,
        net["coord"],
        asked,
        "cancel",
        reason="Client withdrew",
        reason_code="client_declined",
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"


def _visited(client, net) -> dict:
    referral = send(client, net)
    referral = act(client, net["b"], referral, "accept").get_json()
    today = utcnow().date().isoformat()
    return act(client, net["b"], referral, "record-visit", visit_date=today).get_json()


def test_an_interim_report_keeps_the_status_and_tells_the_sender(client, net, db):
    visited = _visited(client, net)
    assert act(client, net["a"], visited, "interim-report", report="Hi").status_code == 403
    assert act(client, net["o"], visited, "interim-report", report="Hi").status_code == 404
    empty = act(client, net["b"], visited, "interim-report", report="")
    assert empty.status_code == 422 and "report" in empty.get_json()["fields"]
    posted = act(client, net["b"], visited, "interim-report", report="Seen; bloods pending.")
    assert posted.status_code == 200, posted.get_json()
    body = posted.get_json()
    assert body["status"] == "visited" and body["version"] == visited["version"] + 1
    event = body["events"][-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "interim-report",
        "visited",
        "visited",
    )
    assert event["note"] == "Seen; bloods pending."
    stale = act(client, net["b"], visited, "interim-report", report="Again, stale")
    assert stale.status_code == 409
    told = client.get("/api/v1/referrals?box=outbox", headers=net["a"]).status_code
    assert told == 200


def test_reopen_goes_back_to_the_status_before_within_the_network_period(client, net, db):
    visited = _visited(client, net)
    closed = act(client, net["b"], visited, "close", outcome="Treated.").get_json()
    assert act(client, net["a"], closed, "reopen", reason="Not done").status_code == 403
    assert act(client, net["o"], closed, "reopen", reason="Not done").status_code == 404
    reopened = act(client, net["b"], closed, "reopen", reason="A late result came in")
    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert body["status"] == "visited" and body["closed_at"] is None and body["outcome"] is None
    assert body["events"][-1]["action"] == "reopen"
    assert body["events"][-1]["note"] == "A late result came in"

    # A referral cancelled while scheduled goes back to scheduled, by a coordinator.
    referral = send(client, net)
    referral = act(client, net["b"], referral, "accept").get_json()
    at = (utcnow() + timedelta(days=3)).isoformat()
    referral = act(client, net["b"], referral, "schedule", appointment_at=at).get_json()
    cancelled = act(client, net["a"], referral, "cancel", reason_code="client_declined")
    cancelled = cancelled.get_json()
    assert cancelled["reason_code"] == "client_declined"
    assert cancelled["reason_label"] == "The client declined"
    back = act(client, net["coord"], cancelled, "reopen", reason="The client changed their mind")
    assert back.status_code == 200, back.get_json()
    assert back.get_json()["status"] == "scheduled"
    assert back.get_json()["reason_code"] is None and back.get_json()["appointment_at"]

    # Past the network's period: 422, nothing changes.
    again = act(client, net["a"], back.get_json(), "cancel", reason_code="other", reason="Moved")
    referral = db.session.get(Referral, again.get_json()["id"])
    referral.cancelled_at = utcnow() - timedelta(days=31)
    db.session.commit()
    late = _read(client, net["b"], referral.id)
    refused = act(client, net["b"], late, "reopen", reason="Too late now")
    assert refused.status_code == 422 and refused.get_json()["error"] == "invalid_transition"
    assert _read(client, net["b"], referral.id)["status"] == "cancelled"
    net["network"].reopen_within_days = 60
    db.session.commit()
    assert act(client, net["b"], late, "reopen", reason="Longer period").status_code == 200
