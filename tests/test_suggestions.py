"""Whom to send a client to (the send form's suggestions) and, after a decline or an expiry,
three accepting alternatives nearest first (the referral page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import Role, Status, utcnow
from app.refusals import Forbidden
from app.reports.service import referral_alternatives, send_suggestions
from app.reports.suggestions import Facts, distance_km, score

counts = st.integers(min_value=0, max_value=50)
facts = st.builds(
    Facts,
    they_sent=counts,
    you_sent=counts,
    capacity=st.none() | st.integers(min_value=0, max_value=20),
    this_week=counts,
    answered=counts,
    km=st.none() | st.floats(min_value=0, max_value=20000),
    same_city=st.booleans(),
)


@given(facts, st.integers(min_value=1, max_value=10))
def test_sending_to_me_more_never_lowers_the_score(f, more):
    more_facts = Facts(**{**f.__dict__, "they_sent": f.they_sent + more})
    assert score(more_facts)[0] >= score(f)[0]


@given(facts, st.integers(min_value=1, max_value=10))
def test_being_sent_more_by_me_never_raises_the_score(f, more):
    more_facts = Facts(**{**f.__dict__, "you_sent": f.you_sent + more})
    assert score(more_facts)[0] <= score(f)[0]


@given(facts, st.integers(min_value=1, max_value=10))
def test_a_fuller_week_never_raises_the_score(f, more):
    fuller = Facts(**{**f.__dict__, "this_week": f.this_week + more})
    assert score(fuller)[0] <= score(f)[0]


@given(facts, st.floats(min_value=0, max_value=5000), st.floats(min_value=0, max_value=5000))
def test_nearer_never_scores_lower(f, a, b):
    near, far = sorted((a, b))
    assert (
        score(Facts(**{**f.__dict__, "km": near}))[0]
        >= score(Facts(**{**f.__dict__, "km": far}))[0]
    )


def test_every_part_of_the_score_says_its_reason():
    points, reasons = score(
        Facts(
            they_sent=6,
            you_sent=0,
            capacity=5,
            this_week=2,
            answered=10,
            accepted=9,
            accept_hours=12,
            km=4.2,
        )
    )
    # 2·min(6, 5) + min(3, 3) + round(4·0.9) + 2 (fast) + 3 (near)
    assert points == 10 + 3 + 4 + 2 + 3
    assert reasons == [
        "sent you 6, you sent them 0 (12 months)",
        "room for 3 more this week",
        "accepts 90% of 10",
        "accepts in 12 h (median)",
        "4 km away",
    ]
    assert score(Facts(capacity=2, this_week=2)) == (-5, ["full this week (2 of 2)"])
    assert score(Facts(same_city=True)) == (2, ["same city"])
    assert score(Facts(answered=2, accepted=2)) == (0, [])  # too few answers to judge


def test_distance_between_two_known_places():
    london, paris = (51.5074, -0.1278), (48.8566, 2.3522)
    assert distance_km(london, paris) == pytest.approx(343.5, abs=1.0)
    assert distance_km(london, london) == 0


@pytest.fixture
def cardiology(make):
    net = make.network(name="Suggestion Network")
    gp = make.member(net, name="Alpha GP", city="Leeds", latitude=53.80, longitude=-1.55)
    near = make.member(
        net,
        name="Near Heart",
        specialties=["Cardiology"],
        city="Leeds",
        latitude=53.81,
        longitude=-1.56,
    )
    owed = make.member(
        net,
        name="Owed Heart",
        specialties=["Cardiology"],
        city="York",
        latitude=53.96,
        longitude=-1.08,
    )
    full = make.member(net, name="Full Heart", specialties=["cardiology"], capacity=1, city="Leeds")
    far = make.member(
        net,
        name="Far Heart",
        specialties=["Cardiology"],
        city="London",
        latitude=51.51,
        longitude=-0.13,
    )
    closed = make.member(net, name="Closed Heart", specialties=["Cardiology"], accepting=False)
    other_net = make.member(make.network(), name="Elsewhere Heart", specialties=["Cardiology"])
    skin = make.member(net, name="Skin Doctor", specialties=["Dermatology"])
    for _ in range(4):  # Owed Heart sends the GP clients; the GP sent it none
        make.referral(owed, gp, Status.ACCEPTED)
    make.referral(gp, full, Status.SENT)  # this week: Full Heart is full
    user = make.practitioner(gp, email="gp@example.org")
    return {
        "net": net,
        "gp": gp,
        "near": near,
        "owed": owed,
        "full": full,
        "far": far,
        "closed": closed,
        "other": other_net,
        "skin": skin,
        "user": user,
    }


def test_suggestions_rank_accepting_members_of_the_specialty(cardiology):
    found = send_suggestions(cardiology["user"], cardiology["gp"].id, "cardiology")
    names = [s.member_name for s in found]
    assert names == ["Owed Heart", "Near Heart", "Far Heart", "Full Heart"]
    owed = found[0]
    assert "sent you 4, you sent them 0 (12 months)" in owed.reasons
    assert "full this week (1 of 1)" in found[-1].reasons
    assert found[1].reasons == ["1 km away"]


def test_only_the_senders_users_get_suggestions(cardiology, make):
    stranger = make.practitioner(make.member(cardiology["net"]), email="x@example.org")
    with pytest.raises(Forbidden):
        send_suggestions(stranger, cardiology["gp"].id, "Cardiology")


def test_alternatives_after_a_decline_are_nearest_first(cardiology, make):
    declined = make.referral(cardiology["gp"], cardiology["near"], Status.DECLINED)
    found = referral_alternatives(cardiology["user"], declined)
    assert [s.member_name for s in found] == ["Owed Heart", "Far Heart", "Full Heart"]
    assert found[0].km == pytest.approx(35, abs=2)
    expired = make.referral(cardiology["gp"], cardiology["owed"], Status.EXPIRED)
    assert [s.member_name for s in referral_alternatives(cardiology["user"], expired)] == [
        "Near Heart",
        "Far Heart",
        "Full Heart",
    ]
    # Not for the receiver's users, nor for a referral still open.
    receiver_user = make.practitioner(cardiology["near"], email="near@example.org")
    assert referral_alternatives(receiver_user, declined) == []
    open_one = make.referral(cardiology["gp"], cardiology["near"], Status.SENT)
    assert referral_alternatives(cardiology["user"], open_one) == []


def test_alternatives_without_coordinates_go_by_city(make):
    net = make.network()
    gp = make.member(net, name="GP", city="Leeds", postcode="LS1 4AP")
    gone = make.member(net, name="Gone", specialties=["Physio"])
    a = make.member(net, name="A Physio", specialties=["Physio"], city="Hull")
    b = make.member(net, name="B Physio", specialties=["Physio"], city="leeds ")
    c = make.member(net, name="C Physio", specialties=["Physio"], postcode="LS2 9JT")
    d = make.member(net, name="D Physio", specialties=["Physio"])
    user = make.practitioner(gp, email="p@example.org")
    make.referral(d, gp, Status.ACCEPTED)  # D sends the GP clients: first of the rest
    declined = make.referral(gp, gone, Status.DECLINED, service="Physio")
    assert [s.member_id for s in referral_alternatives(user, declined)] == [b.id, c.id, d.id]
    assert a.id not in {s.member_id for s in referral_alternatives(user, declined)}


def test_send_form_shows_suggestions_with_reasons(cardiology, login):
    client = login(cardiology["user"])
    html = client.get("/referrals/new?specialty=Cardiology").get_data(as_text=True)
    assert "Suggested for Cardiology" in html
    assert html.index("Owed Heart") < html.index("Near Heart")
    assert "sent you 4, you sent them 0 (12 months)" in html
    assert "Closed Heart" not in html.split("Suggested for")[1].split("</section>")[0]
    assert f"receiver_id={cardiology['owed'].id}" in html
    chosen = client.get(f"/referrals/new?specialty=Cardiology&receiver_id={cardiology['owed'].id}")
    assert f'<option selected value="{cardiology["owed"].id}"' in chosen.get_data(
        as_text=True
    ) or f'value="{cardiology["owed"].id}" selected' in chosen.get_data(as_text=True)


def test_referral_page_offers_alternatives_to_the_sender(cardiology, make, login):
    declined = make.referral(cardiology["gp"], cardiology["near"], Status.DECLINED)
    html = login(cardiology["user"]).get(f"/referrals/{declined.id}").get_data(as_text=True)
    assert "to someone else" in html
    link = f"/referrals/new?again={declined.id}&amp;receiver_id={cardiology['owed'].id}"
    assert link in html
    assert "Send to Owed Heart instead" in html
    form = login(cardiology["user"]).get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f"Filled in from referral #{declined.id}" in form
    coordinator = make.user(Role.COORDINATOR, networks=[cardiology["net"]], email="c@example.org")
    assert referral_alternatives(coordinator, declined) == []  # the sender's users only


def test_old_referrals_do_not_count_in_the_pair(cardiology, make):
    make.referral(
        cardiology["gp"], cardiology["owed"], Status.CLOSED, sent_at=utcnow() - timedelta(days=400)
    )
    found = send_suggestions(cardiology["user"], cardiology["gp"].id, "Cardiology")
    assert "sent you 4, you sent them 0 (12 months)" in found[0].reasons


def test_api_suggestions(cardiology, make, client, db):
    from app.tokens.service import create_token

    _token, secret = create_token(cardiology["user"], "tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/reports/members/{cardiology['gp'].id}/suggestions"
    body = client.get(url + "?specialty=Cardiology", headers=headers).get_json()
    assert body["specialty"] == "Cardiology"
    assert [i["member_name"] for i in body["items"]][:2] == ["Owed Heart", "Near Heart"]
    assert body["items"][1]["distance_km"] == pytest.approx(1.3, abs=0.2)
    missing = client.get(url, headers=headers)
    assert missing.status_code == 422 and "specialty" in missing.get_json()["fields"]
    other = make.member(cardiology["net"])
    assert (
        client.get(
            f"/api/v1/reports/members/{other.id}/suggestions?specialty=x", headers=headers
        ).status_code
        == 403
    )


def test_coordinates_are_set_on_the_member_form_both_or_neither(make, login, db):
    from app.models import Member

    network = make.network()
    member = make.member(network, name="Geo Clinic")
    client = login(make.user(Role.COORDINATOR, networks=[network], email="geo@example.org"))
    url = f"/members/{member.id}/edit"
    base = {"network_id": network.id, "name": "Geo Clinic", "kind": "practitioner"}
    half = client.post(url, data={**base, "latitude": "53.8"})
    assert half.status_code == 400
    assert "Give both the latitude and the longitude" in half.get_data(as_text=True)
    wrong = client.post(url, data={**base, "latitude": "95", "longitude": "1"})
    assert wrong.status_code == 400
    done = client.post(url, data={**base, "latitude": "53.7997", "longitude": "-1.5492"})
    assert done.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Member, member.id)
    assert (saved.latitude, saved.longitude) == (53.7997, -1.5492)
