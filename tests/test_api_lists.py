"""Lists in the API: inbox and outbox, filters, keyset pages, the member directory."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.models import Priority, Role, Status, utcnow
from tests.test_api import API, bearer


@pytest.fixture
def busy(make, db):
    """60 referrals between a GP and a cardiologist, several sent at the very same moment."""
    network = make.network()
    gp, cardio = make.member(network, name="GP"), make.member(network, name="Cardio")
    client = make.client(network)
    start = utcnow() - timedelta(days=30)
    ids = {"outbox": [], "inbox": []}
    for n in range(60):
        # Every third referral shares its moment with the previous one: ties broken by id.
        sent_at = start + timedelta(hours=n - n // 3)
        status = (Status.SENT, Status.ACCEPTED, Status.CLOSED)[n % 3]
        priority = Priority.STAT if n % 5 == 0 else Priority.ROUTINE
        if n % 3 == 2:
            referral = make.referral(cardio, gp, status, sent_at=sent_at, client=client)
            ids["inbox"].append(referral)
        else:
            referral = make.referral(
                gp, cardio, status, sent_at=sent_at, client=client, priority=priority
            )
            ids["outbox"].append(referral)
    gp_user = make.practitioner(gp)
    newest_first = {
        box: [r.id for r in sorted(rows, key=lambda r: (r.sent_at, r.id), reverse=True)]
        for box, rows in ids.items()
    }
    return {
        "network": network,
        "gp": gp,
        "cardio": cardio,
        "headers": bearer(db, gp_user),
        "ids": newest_first,
        "rows": ids,
    }


def _walk(client, url: str, headers) -> list[int]:
    """Follow `next` to the end; returns the ids in order."""
    seen: list[int] = []
    pages = 0
    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"] and urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
        pages += 1
        assert pages < 100
    return seen


def test_keyset_pages_have_no_duplicates_or_gaps(client, busy):
    headers = busy["headers"]
    outbox = _walk(client, f"{API}/referrals?box=outbox&limit=7", headers)
    assert outbox == busy["ids"]["outbox"]
    assert len(outbox) == len(set(outbox)) == 40
    everything = _walk(client, f"{API}/referrals?box=all&limit=9", headers)
    assert sorted(everything) == sorted(busy["ids"]["outbox"] + busy["ids"]["inbox"])
    assert len(everything) == 60


def test_default_box_of_a_practitioner_is_the_inbox(client, busy):
    body = client.get(f"{API}/referrals?limit=100", headers=busy["headers"]).get_json()
    assert [r["id"] for r in body["items"]] == busy["ids"]["inbox"]
    assert body["next"] is None
    assert all(r["receiver_id"] == busy["gp"].id for r in body["items"])
    assert "client" not in body["items"][0]  # lists carry no client data


def test_next_link_keeps_the_filters(client, busy):
    url = f"{API}/referrals?box=outbox&status=sent&status=accepted&limit=5"
    body = client.get(url, headers=busy["headers"]).get_json()
    following = body["next"]
    assert "status=sent" in following and "status=accepted" in following
    assert "box=outbox" in following and "limit=5" in following
    walked = _walk(client, url, busy["headers"])
    expected = [
        r.id
        for r in sorted(busy["rows"]["outbox"], key=lambda r: (r.sent_at, r.id), reverse=True)
        if r.status in (Status.SENT, Status.ACCEPTED)
    ]
    assert walked == expected


def test_filters_by_status_priority_member_and_dates(client, busy):
    headers = busy["headers"]

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/referrals?limit=100&{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return {item["id"] for item in response.get_json()["items"]}

    outbox = busy["rows"]["outbox"]
    assert ids("box=outbox&status=closed") == {r.id for r in outbox if r.status == Status.CLOSED}
    assert ids("box=outbox&status=sent,closed&priority=stat") == {
        r.id
        for r in outbox
        if r.status in (Status.SENT, Status.CLOSED) and r.priority == Priority.STAT
    }
    assert ids(f"box=all&member_id={busy['cardio'].id}") == set(busy["ids"]["outbox"]) | set(
        busy["ids"]["inbox"]
    )
    middle = sorted(outbox, key=lambda r: r.sent_at)[20].sent_at
    after = ids(f"box=outbox&sent_from={middle.isoformat().replace('+00:00', 'Z')}")
    assert after == {r.id for r in outbox if r.sent_at >= middle}
    day = middle.date().isoformat()
    assert ids(f"box=outbox&sent_from={day}&sent_to={day}") == {
        r.id for r in outbox if r.sent_at.date() == middle.date()
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ("box=everything", "box"),
        ("status=open", "status"),
        ("priority=high", "priority"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("member_id=-3", "member_id"),
        ("member_id=99999999999999999999", "member_id"),
        ("sent_from=yesterday", "sent_from"),
        ("sent_to=2026-02-30", "sent_to"),
        ("sent_to=9999-12-31", "sent_to"),  # the day after does not exist
        ("sent_from=0001-01-01", "sent_from"),
        ("cursor=bm90IGEgY3Vyc29y", "cursor"),
        ("cursor=%00%ff", "cursor"),
    ],
)
def test_invalid_filters_are_422_naming_the_parameter(client, make, db, query, field):
    headers = bearer(db, make.practitioner())
    response = client.get(f"{API}/referrals?{query}", headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_inbox_of_another_member_is_refused(client, busy):
    query = f"box=inbox&member_id={busy['cardio'].id}"
    response = client.get(f"{API}/referrals?{query}", headers=busy["headers"])
    assert response.status_code == 422
    assert "member_id" in response.get_json()["fields"]


def test_coordinator_has_only_box_all(client, busy, make, db):
    coordinator = make.user(Role.COORDINATOR, networks=[busy["network"]])
    headers = bearer(db, coordinator)
    assert client.get(f"{API}/referrals?box=inbox", headers=headers).status_code == 422
    walked = _walk(client, f"{API}/referrals?limit=50", headers)
    assert len(walked) == 60
    elsewhere = make.user(Role.COORDINATOR, networks=[make.network()])
    body = client.get(f"{API}/referrals", headers=bearer(db, elsewhere)).get_json()
    assert body == {"items": [], "next": None}


def test_member_directory_search_and_pages(client, make, db, app):
    network = make.network()
    heart = make.member(network, name="Heart Clinic", specialties=["Cardiology"], city="Leeds")
    make.member(network, name="Bone Clinic", specialties=["Orthopaedics"], accepting=False)
    make.member(make.network(), name="Heart Elsewhere", specialties=["Cardiology"])
    headers = bearer(db, make.practitioner(heart))

    def names(query: str) -> list[str]:
        response = client.get(f"{API}/members?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [m["name"] for m in response.get_json()["items"]]

    assert names("specialty=cardio") == ["Heart Clinic"]
    assert names("q=clinic&accepting=false") == ["Bone Clinic"]
    assert names("location=leeds&accepting=true") == ["Heart Clinic"]
    member = client.get(f"{API}/members/{heart.id}", headers=headers).get_json()
    assert member["specialties"] == ["Cardiology"] and member["city"] == "Leeds"
    for query, field in (("page=0", "page"), ("accepting=maybe", "accepting"), ("q=%00", "q")):
        response = client.get(f"{API}/members?{query}", headers=headers)
        assert response.status_code == 422 and field in response.get_json()["fields"]
    size = app.config["PAGE_SIZE"]
    for n in range(size):
        make.member(network, name=f"Practice {n:02}")
    first = client.get(f"{API}/members?q=practice", headers=headers).get_json()
    assert len(first["items"]) == size and first["next"] is None
    make.member(network, name="Practice zz")
    first = client.get(f"{API}/members?q=practice", headers=headers).get_json()
    assert first["next"].endswith("page=2") and "q=practice" in first["next"]
    following = urlsplit(first["next"])
    second = client.get(f"{following.path}?{following.query}", headers=headers)
    assert [m["name"] for m in second.get_json()["items"]] == ["Practice zz"]
