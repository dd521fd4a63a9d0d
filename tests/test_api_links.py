"""POST/GET /api/v1/links, pause and resume, the QR code: shapes and access."""

from __future__ import annotations

from app.models import Role
from tests.test_api import bearer


def _net(make):
    network = make.network(kind="professional")
    owner = make.member(network, name="Owner Accountants")
    second = make.member(network, name="Second Office")
    target = make.member(network, name="Target Lawyers")
    return network, owner, second, target


def test_create_list_pause_resume(client, make, db):
    network, owner, _second, target = _net(make)
    headers = bearer(db, make.practitioner(owner))
    response = client.post("/api/v1/links", json={"target_member_id": target.id}, headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert {"id", "code", "url", "qr_url"} <= set(body)
    assert body["url"].endswith(f"/r/{body['code']}")
    assert body["owner_member_id"] == owner.id and body["target_member_id"] == target.id
    assert body["kind"] == "professional" and body["visits"] == 0
    qr = client.get(body["qr_url"], headers=headers)
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    listed = client.get("/api/v1/links", headers=headers).json["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    paused = client.post(f"/api/v1/links/{body['id']}/pause", headers=headers)
    assert paused.status_code == 200 and paused.json["paused"] is True
    assert client.get(f"/r/{body['code']}").status_code == 410
    resumed = client.post(f"/api/v1/links/{body['id']}/resume", headers=headers)
    assert resumed.json["paused"] is False
    coordinator = bearer(db, make.user(Role.COORDINATOR, networks=[network]))
    assert client.get(f"/api/v1/links/{body['id']}", headers=coordinator).status_code == 200


def test_owner_must_be_said_when_acting_for_several(client, make, db):
    _network, owner, second, target = _net(make)
    headers = bearer(db, make.user(Role.PRACTITIONER, members=[owner, second]))
    response = client.post("/api/v1/links", json={"target_member_id": target.id}, headers=headers)
    assert response.status_code == 422 and "owner_member_id" in response.json["fields"]
    response = client.post(
        "/api/v1/links",
        json={"target_member_id": target.id, "owner_member_id": second.id},
        headers=headers,
    )
    assert response.status_code == 201 and response.json["owner_member_id"] == second.id


def test_refusals_and_other_peoples_links(client, make, db):
    network, owner, _second, target = _net(make)
    outsider_member = make.member(make.network())
    headers = bearer(db, make.practitioner(owner))
    bad = [
        {},
        {"target_member_id": "7"},
        {"target_member_id": outsider_member.id},
        {"target_member_id": target.id, "owner_member_id": target.id},
        {"target_member_id": target.id, "label": "x" * 500},
        {"target_member_id": target.id, "ends_at": "yesterday"},
    ]
    for body in bad:
        response = client.post("/api/v1/links", json=body, headers=headers)
        assert response.status_code == 422, (body, response.json)
    coordinator = bearer(db, make.user(Role.COORDINATOR, networks=[network]))
    response = client.post(
        "/api/v1/links", json={"target_member_id": target.id}, headers=coordinator
    )
    assert response.status_code == 403
    link = client.post("/api/v1/links", json={"target_member_id": target.id}, headers=headers).json
    outsider = bearer(db, make.practitioner(outsider_member))
    the_target = bearer(db, make.practitioner(target))
    for other in (outsider, the_target):
        for path in ("", "/pause", "/resume"):
            method = client.get if path == "" else client.post
            assert method(f"/api/v1/links/{link['id']}{path}", headers=other).status_code == 404
        assert client.get(f"/api/v1/links/{link['id']}/qr.png", headers=other).status_code == 404
        assert client.get("/api/v1/links", headers=other).json["items"] == []
    assert client.post("/api/v1/links", json={"target_member_id": target.id}).status_code == 401


def test_the_referral_says_which_link_it_came_through(client, make, db):
    _network, owner, _second, target = _net(make)
    headers = bearer(db, make.practitioner(owner))
    link = client.post("/api/v1/links", json={"target_member_id": target.id}, headers=headers).json
    client.get(f"/r/{link['code']}?c=qr")
    response = client.post(
        f"/r/{link['code']}",
        data={
            "given_name": "Nia",
            "family_name": "Okafor",
            "email": "nia@example.org",
            "message": "A contract to review.",
        },
    )
    assert response.status_code == 302
    receiver = bearer(db, make.practitioner(target))
    items = client.get("/api/v1/referrals?box=inbox", headers=receiver).json["items"]
    referral = client.get(f"/api/v1/referrals/{items[0]['id']}", headers=receiver).json
    assert referral["link"] == {
        "link_id": link["id"],
        "source_link_id": link["id"],
        "touch": "last",
        "channel": "qr",
        "email_confirmed": False,
        "possible_duplicate_of": None,
    }
    assert referral["sender_id"] == owner.id
