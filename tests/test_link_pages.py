"""The "My links" page, QR codes and the printable card: who sees what."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.links.service import create_link
from app.models import ReferralLink, Role


def _setup(make):
    network = make.network(kind="professional")
    owner = make.member(network, name="Owner Accountants")
    target = make.member(network, name="Target Lawyers", specialties=["Family law"])
    return network, owner, target, make.practitioner(owner)


def test_a_practitioner_makes_pauses_and_resumes_a_link_on_its_page(make, login):
    _network, _owner, target, user = _setup(make)
    client = login(user)
    page = client.get("/links").get_data(as_text=True)
    assert "Make a new link" in page and "Target Lawyers" in page
    response = client.post("/links", data={"target_member_id": str(target.id), "label": "Desk"})
    assert response.status_code == 302
    link = db.session.scalar(select(ReferralLink))
    page = client.get("/links").get_data(as_text=True)
    assert f"/r/{link.code}" in page
    for channel in ("email", "sms", "whatsapp", "copy"):
        assert f"%3Fc%3D{channel}" in page or f"?c={channel}" in page
    assert "https://wa.me/?text=" in page and "mailto:?subject=" in page and "sms:?body=" in page
    assert client.post(f"/links/{link.id}/pause").status_code == 302
    assert db.session.get(ReferralLink, link.id).paused
    assert client.post(f"/links/{link.id}/resume").status_code == 302
    assert not db.session.get(ReferralLink, link.id).paused
    response = client.post(f"/links/{link.id}/end", data={"ends_at": "2020-01-01T10:00"})
    assert db.session.get(ReferralLink, link.id).ends_at is None


def test_bad_input_on_the_page_is_a_clear_4xx(make, login):
    _network, _owner, _target, user = _setup(make)
    client = login(user)
    response = client.post("/links", data={"target_member_id": "999999"})
    assert response.status_code == 422
    assert "Choose a member of your network" in response.get_data(as_text=True)
    response = client.post("/links", data={"target_member_id": "abc"})
    assert response.status_code == 422
    assert db.session.scalar(select(ReferralLink)) is None


def test_qr_codes_and_card_only_for_those_who_see_the_link(make, login):
    network, _owner, target, user = _setup(make)
    link = create_link(user, target.id)
    db.session.commit()
    client = login(user)
    svg = client.get(f"/links/{link.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    png = client.get(f"/links/{link.id}/qr.png?download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    card = client.get(f"/links/{link.id}/card").get_data(as_text=True)
    assert "Target Lawyers" in card and link.code[:5] in card
    client.post("/logout")
    other = login(make.practitioner(target))  # the target's own staff: not the owner
    for path in ("qr.svg", "qr.png", "card", "pause"):
        method = other.post if path == "pause" else other.get
        assert method(f"/links/{link.id}/{path}").status_code == 404
    other.post("/logout")
    coordinator = login(make.user(Role.COORDINATOR, networks=[network]))
    assert coordinator.get(f"/links/{link.id}/qr.svg").status_code == 200
    assert "Target Lawyers" in coordinator.get("/links").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, make):
    _network, _owner, target, user = _setup(make)
    link = create_link(user, target.id)
    db.session.commit()
    assert client.get("/links").status_code == 302
    assert client.get(f"/links/{link.id}/qr.svg").status_code == 302


def test_a_link_shared_by_one_of_the_members_clients(make, login):
    network, owner, target, user = _setup(make)
    mine = make.client(network, family_name="Sharer", created_by_member_id=owner.id)
    theirs = make.client(network, family_name="Stranger")
    client = login(user)
    page = client.get("/links").get_data(as_text=True)
    assert "Sharer" in page and "Stranger" not in page
    bad = client.post(
        "/links", data={"target_member_id": str(target.id), "owner_client_id": str(theirs.id)}
    )
    assert bad.status_code == 422 and db.session.scalar(select(ReferralLink)) is None
    response = client.post(
        "/links", data={"target_member_id": str(target.id), "owner_client_id": str(mine.id)}
    )
    assert response.status_code == 302
    link = db.session.scalar(select(ReferralLink))
    assert link.owner_client_id == mine.id and link.owner_member_id == owner.id
    assert "shared by your client Ada Sharer" in client.get("/links").get_data(as_text=True)
    public = client.application.test_client()
    intake = public.get(f"/r/{link.code}").get_data(as_text=True)
    assert "A client of Owner Accountants recommends Target Lawyers" in intake
    assert "Sharer" not in intake
