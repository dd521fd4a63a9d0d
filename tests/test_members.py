"""Member directory, profile pages and member administration."""

from __future__ import annotations

import pytest

from app.models import AuditLog, Member, Role, Status


def test_directory_searches_name_specialty_and_location(make, login):
    network = make.network()
    make.member(network, name="Dr Amara Okafor", specialties=["Cardiology"], city="Leeds")
    make.member(network, name="Dr Ben Hale", specialties=["Physiotherapy"], city="York")
    make.member(network, name="Dr Cleo Hart", specialties=["Cardiology", "Echo"], city="York")
    user = make.practitioner(make.member(network, name="Dr Self"))
    client = login(user)

    def names(**query):
        html = client.get("/members/", query_string=query).get_data(as_text=True)
        return {n for n in ("Okafor", "Hale", "Hart") if f" {n}</a>" in html}

    assert names(specialty="cardio") == {"Okafor", "Hart"}
    assert names(specialty="Cardiology", location="york") == {"Hart"}
    assert names(q="hale") == {"Hale"}
    assert names(q="100%_") == set()  # LIKE wildcards are taken literally


def test_directory_hides_other_networks(make, login):
    mine, other = make.network(), make.network()
    make.member(other, name="Dr Elsewhere")
    user = make.practitioner(make.member(mine, name="Dr Here"))
    client = login(user)
    assert "Dr Elsewhere" not in client.get("/members/").get_data(as_text=True)


def test_profile_of_another_network_is_not_found(make, login):
    mine, other = make.network(), make.network()
    stranger = make.member(other)
    client = login(make.practitioner(make.member(mine)))
    assert client.get(f"/members/{stranger.id}").status_code == 404
    assert client.get("/members/999999").status_code == 404


def test_profile_shows_given_and_received(make, login):
    network = make.network()
    gp, cardio = make.member(network, name="GP"), make.member(network, name="Cardio")
    make.referral(gp, cardio)
    make.referral(gp, cardio, Status.CLOSED)
    make.referral(cardio, gp)
    html = login(make.practitioner(gp)).get(f"/members/{gp.id}").get_data(as_text=True)
    assert '<span class="tile-num">2</span><span class="tile-label">sent (given)' in html
    assert '<span class="tile-num">1</span><span class="tile-label">received' in html


def test_coordinator_adds_and_edits_a_member(make, login, db):
    network = make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    client = login(coordinator)
    response = client.post(
        "/members/new",
        data={
            "network_id": network.id,
            "name": "Harbour Physio",
            "kind": "organization",
            "specialties": "Physiotherapy, Sports injuries,physiotherapy",
            "city": "Bristol",
            "accepting": "y",
            "capacity": "12",
        },
    )
    assert response.status_code == 302
    member = db.session.query(Member).filter_by(name="Harbour Physio").one()
    assert member.specialties == ["Physiotherapy", "Sports injuries"]
    assert member.capacity == 12 and member.accepting

    response = client.post(
        f"/members/{member.id}/edit",
        data={
            "network_id": network.id,
            "name": "Harbour Physio Ltd",
            "kind": "organization",
            "specialties": "Physiotherapy",
            "capacity": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.name == "Harbour Physio Ltd"
    assert member.accepting is False and member.capacity is None
    actions = [r.action for r in db.session.query(AuditLog).filter_by(entity="member")]
    assert actions == ["create", "update"]


def test_member_form_reports_errors_next_to_fields(make, login):
    network = make.network()
    client = login(make.user(Role.COORDINATOR, networks=[network]))
    response = client.post(
        "/members/new",
        data={
            "network_id": network.id,
            "name": "",
            "specialties": "",
            "capacity": "-3",
            "email": "not-an-email",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This field is required." in html
    assert "Give at least one specialty or service." in html
    assert "Invalid email address." in html


def test_coordinator_cannot_manage_another_network(make, login, db):
    mine, other = make.network(), make.network()
    stranger = make.member(other)
    client = login(make.user(Role.COORDINATOR, networks=[mine]))
    assert client.get(f"/members/{stranger.id}/edit").status_code == 404
    assert client.post(f"/members/{stranger.id}/deactivate").status_code == 404
    response = client.post(
        "/members/new",
        data={
            "network_id": other.id,
            "name": "Sneaky",
            "kind": "practitioner",
            "specialties": "Law",
        },
    )
    assert response.status_code == 400
    assert db.session.query(Member).filter_by(name="Sneaky").count() == 0


def test_deactivated_member_keeps_its_history(make, login, db):
    network = make.network()
    gp, cardio = make.member(network, name="GP"), make.member(network, name="Dr Gone")
    referral = make.referral(gp, cardio, Status.CLOSED)
    client = login(make.user(Role.COORDINATOR, networks=[network]))
    assert client.post(f"/members/{cardio.id}/deactivate").status_code == 302
    db.session.refresh(cardio)
    assert not cardio.active and not cardio.accepting and cardio.deactivated_at
    assert db.session.get(type(referral), referral.id).receiver_id == cardio.id
    # Gone from the directory, still reachable with its history for coordinators.
    assert ">Dr Gone</a>" not in client.get("/members/").get_data(as_text=True)
    assert ">Dr Gone</a>" in client.get("/members/?inactive=1").get_data(as_text=True)
    assert client.get(f"/members/{cardio.id}").status_code == 200
    assert client.post(f"/members/{cardio.id}/reactivate").status_code == 302
    db.session.refresh(cardio)
    assert cardio.active


def test_practitioner_cannot_edit_members(make, login):
    member = make.member()
    client = login(make.practitioner(member))
    assert client.get(f"/members/{member.id}/edit").status_code == 403
    assert client.post(f"/members/{member.id}/deactivate").status_code == 403


def test_an_edit_posted_without_specialties_keeps_them(make, login, db):
    """A form posted without the field (a script, an old page) was a 500."""
    network = make.network()
    member = make.member(network, specialties=["Cardiology", "Echo"])
    client = login(make.user(Role.COORDINATOR, networks=[network]))
    response = client.post(
        f"/members/{member.id}/edit",
        data={"network_id": network.id, "name": "Renamed", "kind": "practitioner"},
    )
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.name == "Renamed" and member.specialties == ["Cardiology", "Echo"]


@pytest.mark.parametrize("typed", ["%00", "a%E2%80%AEb", "x" * 300])
def test_search_boxes_read_every_term_through_one_function(make, login, typed):
    """A NUL, a bidi override or a very long term searches for nothing, never a 500."""
    network = make.network()
    member = make.member(network, name="Dr Okafor")
    client = login(make.practitioner(member))
    for path in ("/members/", "/referrals/new", "/members/choices"):
        for name in ("q", "specialty", "location", "member_q"):
            response = client.get(f"{path}?{name}={typed}")
            assert response.status_code == 200, (path, name)
