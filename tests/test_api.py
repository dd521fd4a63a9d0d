"""The JSON API: a whole journey with bearer tokens, and every way a request is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from app.models import AuditLog, Referral, Role, Status, utcnow
from app.tokens.service import create_token, revoke_token

API = "/api/v1"


def bearer(db, user) -> dict[str, str]:
    _token, secret = create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def make_net(make, db) -> dict:
    """A mixed network: a GP and a cardiologist, each with a practitioner and a token."""
    network = make.network(name="Riverside")
    gp = make.member(network, name="Riverside GP", specialties=["General practice"])
    cardio = make.member(network, name="Heart Clinic", specialties=["Cardiology"])
    gp_user = make.practitioner(gp, name="Dr GP")
    cardio_user = make.practitioner(cardio, name="Dr Heart")
    return {
        "network": network,
        "gp": gp,
        "cardio": cardio,
        "gp_user": gp_user,
        "cardio_user": cardio_user,
        "a": bearer(db, gp_user),
        "b": bearer(db, cardio_user),
    }


@pytest.fixture
def net(make, db) -> dict:
    return make_net(make, db)


def new_referral(net, **changes) -> dict:
    body = {
        "receiver_id": net["cardio"].id,
        "kind": "clinical",
        "priority": "urgent",
        "reason": "Chest pain on exertion",
        "service": "Cardiology consult",
        "notes": "Known hypertension.",
        "client": {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "birth_date": "1980-05-17",
            "email": "ada@example.org",
            "consent": True,
        },
    }
    body.update(changes)
    return body


def send(client, net, **changes) -> dict:
    response = client.post(f"{API}/referrals", json=new_referral(net, **changes), headers=net["a"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, headers, referral, action, **values):
    body = {"version": referral["version"], **values}
    return client.post(
        f"{API}/referrals/{referral['id']}/actions/{action}", json=body, headers=headers
    )


def test_whole_journey_through_the_api(client, net, db):
    me = client.get(f"{API}/me", headers=net["a"]).get_json()
    assert me["role"] == "practitioner" and me["member_ids"] == [net["gp"].id]
    assert me["members"] == [
        {"id": net["gp"].id, "name": "Riverside GP", "network_id": net["network"].id}
    ]

    response = client.post(f"{API}/referrals", json=new_referral(net), headers=net["a"])
    assert response.status_code == 201
    sent = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/referrals/{sent['id']}")
    assert (sent["status"], sent["version"], sent["sender_id"]) == ("sent", 1, net["gp"].id)
    assert sent["client"]["birth_date"] == "1980-05-17"
    assert sent["allowed_actions"] == ["cancel"]

    read = client.get(f"{API}/referrals/{sent['id']}", headers=net["b"])
    assert read.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in read.headers
    seen = read.get_json()
    assert seen["allowed_actions"] == ["accept", "decline", "forward", "request-info"]
    referral = act(client, net["b"], seen, "accept").get_json()
    assert (referral["status"], referral["version"]) == ("accepted", 2)
    appointment = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    referral = act(
        client, net["b"], referral, "schedule", appointment_at=appointment.isoformat()
    ).get_json()
    assert referral["status"] == "scheduled"
    assert referral["appointment_at"] == appointment.isoformat()
    referral = act(
        client,
        net["b"],
        referral,
        "record-visit",
        visit_date=date.today().isoformat(),
        confirm_early_visit=True,  # the appointment is in three days
    ).get_json()
    assert referral["status"] == "visited" and referral["valid_until"] is not None
    response = act(client, net["b"], referral, "close", outcome="Stable angina; treated.")
    assert response.status_code == 200
    assert response.get_json()["allowed_actions"] == ["reopen"]  # within the network's period

    final = client.get(f"{API}/referrals/{sent['id']}", headers=net["a"]).get_json()
    assert (final["status"], final["version"]) == ("closed", 5)
    assert final["outcome"] == "Stable angina; treated."
    assert final["business_value"] is None
    assert final["closed_at"].endswith("+00:00")
    assert [e["action"] for e in final["events"]] == [
        "send",
        "accept",
        "schedule",
        "record-visit",
        "close",
    ]
    assert final["events"][1]["actor_id"] == net["cardio_user"].id
    views = db.session.query(AuditLog).filter_by(action="view", entity="referral").count()
    assert views == 2  # each read of the referral is audited


def test_stale_version_is_409_and_changes_nothing(client, net, db):
    referral = send(client, net)
    accepted = act(client, net["b"], referral, "accept").get_json()
    response = act(
        client, net["b"], referral, "decline", reason="Too late now", reason_code="other"
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "stale"
    db.session.expire_all()
    assert db.session.get(Referral, accepted["id"]).status == Status.ACCEPTED


def test_concurrent_winner_makes_the_other_request_409(client, net, db, monkeypatch):
    """Both read version 1; the other one commits first; this one's UPDATE finds no row."""
    from app.api import referrals as api_referrals

    real_perform = api_referrals.perform

    def other_request_commits_first(referral, *args, **kwargs):
        with db.engine.begin() as other:
            other.execute(
                update(Referral)
                .where(Referral.id == referral.id)
                .values(version=Referral.version + 1)
            )
        return real_perform(referral, *args, **kwargs)

    referral = send(client, net)
    monkeypatch.setattr(api_referrals, "perform", other_request_commits_first)
    response = act(client, net["b"], referral, "accept")
    assert response.status_code == 409
    assert response.get_json()["error"] == "stale"
    db.session.expire_all()
    stored = db.session.get(Referral, referral["id"])
    assert (stored.status, stored.version) == (Status.SENT, 2)


def test_transition_not_allowed_is_422(client, net):
    referral = send(client, net)
    response = act(client, net["b"], referral, "close", outcome="Nothing to close yet")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_transition"


def test_wrong_party_is_403(client, net):
    referral = send(client, net)
    response = act(client, net["a"], referral, "accept")
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_expire_is_for_refnet_only_and_unknown_actions_are_404(client, net):
    referral = send(client, net)
    assert act(client, net["b"], referral, "expire").status_code == 403
    response = act(client, net["b"], referral, "approve")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_outsider_gets_404_for_read_and_action(client, net, make, db):
    """IDOR: another member of the same network, and a member of another network."""
    referral = send(client, net)
    neighbour = make.practitioner(make.member(net["network"]))
    stranger = make.practitioner(make.member(make.network()))
    for user in (neighbour, stranger):
        headers = bearer(db, user)
        read = client.get(f"{API}/referrals/{referral['id']}", headers=headers)
        assert read.status_code == 404
        assert read.get_json()["error"] == "not_found"
        assert "Lovelace" not in read.get_data(as_text=True)
        assert act(client, headers, referral, "accept").status_code == 404
    other_member = make.member(make.network())
    assert client.get(f"{API}/members/{other_member.id}", headers=net["a"]).status_code == 404
    assert client.get(f"{API}/referrals/999999", headers=net["a"]).status_code == 404
    db.session.expire_all()
    assert db.session.get(Referral, referral["id"]).status == Status.SENT


def test_version_is_required_and_must_be_a_whole_number(client, net):
    referral = send(client, net)
    url = f"{API}/referrals/{referral['id']}/actions/accept"
    missing = client.post(url, json={}, headers=net["b"])
    assert missing.status_code == 422
    assert "version" in missing.get_json()["fields"]
    for version in ("1", 1.5, True, [1]):
        wrong = client.post(url, json={"version": version}, headers=net["b"])
        assert wrong.status_code == 422, version
        assert "version" in wrong.get_json()["fields"]


def test_clinical_close_with_value_is_422_and_leaves_the_referral(client, net, db):
    referral = send(client, net)
    referral = act(client, net["b"], referral, "accept").get_json()
    referral = act(
        client, net["b"], referral, "record-visit", visit_date=date.today().isoformat()
    ).get_json()
    response = act(client, net["b"], referral, "close", outcome="Treated", value="100.00")
    assert response.status_code == 422
    assert "value" in response.get_json()["fields"]
    after = client.get(f"{API}/referrals/{referral['id']}", headers=net["b"]).get_json()
    assert (after["status"], after["version"], after["outcome"]) == ("visited", 3, None)


def test_professional_close_returns_value_as_decimal_string(client, make, db):
    network = make.network(kind="professional")
    lawyer, accountant = make.member(network), make.member(network)
    a = bearer(db, make.practitioner(lawyer))
    b = bearer(db, make.practitioner(accountant))
    body = {
        "receiver_id": accountant.id,
        "kind": "professional",
        "reason": "Tax return help",
        "service": "Accounting",
        "client": {"given_name": "Sam", "family_name": "Doe"},
    }
    referral = client.post(f"{API}/referrals", json=body, headers=a).get_json()
    referral = act(client, b, referral, "accept").get_json()
    referral = act(client, b, referral, "record-visit", visit_date=date.today().isoformat())
    closed = act(client, b, referral.get_json(), "close", outcome="Engaged", value=1250.5)
    assert closed.status_code == 200
    assert closed.get_json()["business_value"] == "1250.50"


def test_send_refusals_name_their_fields(client, net, make, db):
    response = client.post(
        f"{API}/referrals", json=new_referral(net, receiver_id=net["gp"].id), headers=net["a"]
    )
    assert response.status_code == 422
    assert "receiver_id" in response.get_json()["fields"]
    no_consent = new_referral(net)
    no_consent["client"]["consent"] = False
    response = client.post(f"{API}/referrals", json=no_consent, headers=net["a"])
    assert response.get_json()["fields"].keys() >= {"client.consent"}
    wrong_types = client.post(
        f"{API}/referrals",
        json=new_referral(net, receiver_id="two", client={"given_name": 7}),
        headers=net["a"],
    )
    assert wrong_types.status_code == 422
    assert wrong_types.get_json()["fields"].keys() >= {"receiver_id"}
    assert db.session.query(Referral).count() == 0


def test_possible_duplicate_needs_confirmation(client, net):
    first = send(client, net)
    again = new_referral(net, client=None, client_id=first["client"]["id"])
    response = client.post(f"{API}/referrals", json=again, headers=net["a"])
    assert response.status_code == 422
    assert response.get_json()["error"] == "possible_duplicate"
    again["confirm_duplicate"] = True
    assert client.post(f"{API}/referrals", json=again, headers=net["a"]).status_code == 201


def test_coordinator_reads_the_network_but_cannot_send(client, net, make, db):
    coordinator = make.user(Role.COORDINATOR, networks=[net["network"]])
    headers = bearer(db, coordinator)
    referral = send(client, net)
    refused = client.post(f"{API}/referrals", json=new_referral(net), headers=headers)
    assert refused.status_code == 403
    assert "practitioners" in refused.get_json()["message"]
    seen = client.get(f"{API}/referrals/{referral['id']}", headers=headers).get_json()
    assert seen["allowed_actions"] == ["forward", "cancel"]
    cancelled = act(
        client, headers, seen, "cancel", reason="Sent to the wrong clinic", reason_code="other"
    )
    assert cancelled.get_json()["status"] == "cancelled"


def test_forward_leaves_a_linked_referral(client, net, make, db):
    other = make.member(net["network"], name="Other Cardio")
    referral = send(client, net)
    response = act(client, net["b"], referral, "forward", receiver_id=other.id)
    assert response.get_json()["status"] == "declined"
    outbox = client.get(f"{API}/referrals?box=outbox&status=sent", headers=net["a"]).get_json()
    assert [(r["receiver_id"], r["forwarded_from_id"]) for r in outbox["items"]] == [
        (other.id, referral["id"])
    ]


def test_no_token_bad_token_revoked_token_and_inactive_user_are_401(client, net, make, db):
    assert client.get(f"{API}/me").status_code == 401
    response = client.get(f"{API}/referrals")
    assert response.status_code == 401  # JSON, not a redirect to /login
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Bearer rn_nope", "Basic dXNlcjpwYXNz", "rn_abc", "Bearer  "):
        assert client.get(f"{API}/me", headers={"Authorization": header}).status_code == 401
    token, secret = create_token(net["gp_user"], "old script")
    revoke_token(token)
    db.session.commit()
    revoked = client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    leaver = make.practitioner(make.member(net["network"]))
    headers = bearer(db, leaver)
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    leaver.active = False
    db.session.commit()
    assert client.get(f"{API}/me", headers=headers).status_code == 401


def test_malformed_bodies_are_400_and_415(client, net):
    referral = send(client, net)
    url = f"{API}/referrals/{referral['id']}/actions/accept"
    for raw in ("{not json", "[1, 2]", '"text"', "null", "", '{"version": NaN}'):
        response = client.post(url, data=raw, content_type="application/json", headers=net["b"])
        assert response.status_code == 400, raw
        assert response.get_json()["error"] == "malformed"
    form = client.post(url, data={"version": "1"}, headers=net["b"])
    assert form.status_code == 415
    assert form.get_json()["error"] == "unsupported_media_type"


def test_session_cookie_works_and_needs_json_to_change_data(app, client, net, login):
    login(net["cardio_user"])
    referral = send(client, net)
    assert client.get(f"{API}/me").get_json()["id"] == net["cardio_user"].id
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        url = f"{API}/referrals/{referral['id']}/actions/accept"
        # What a page on another site can send: a form post, without the JSON type.
        forged = client.post(url, data={"version": "1"})
        assert forged.status_code == 415
        accepted = client.post(url, json={"version": 1})  # the app's own script: JSON
        assert accepted.status_code == 200, accepted.get_json()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
