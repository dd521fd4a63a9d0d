"""Member pickers stay small at any network size: at most 25 matches, narrowed by a search
(htmx asks /members/choices; without JavaScript a GET form reloads the page with them)."""

from __future__ import annotations

import re

import pytest

from app.members.choices import PICKER_SIZE
from app.models import Role, Status, User

OPTION = re.compile(r'<option[^>]*? value="(\d+)"')


@pytest.fixture
def crowd(make):
    """A network of 60 members besides a GP and a cardiologist, and a stranger network."""
    network = make.network(name="Crowded")
    gp = make.member(network, name="Aaron GP")
    cardio = make.member(network, name="Abbott Heart", specialties=["Cardiology"])
    others = [make.member(network, name=f"Member {n:02}") for n in range(60)]
    zed = make.member(network, name="Zed Physio", specialties=["Physiotherapy"])
    stranger = make.member(make.network(), name="Zed Stranger")
    return {
        "gp": gp,
        "cardio": cardio,
        "others": others,
        "zed": zed,
        "stranger": stranger,
        "gp_user": make.practitioner(gp),
        "cardio_user": make.practitioner(cardio),
        "referral": make.referral(gp, cardio, Status.SENT),
    }


def _options(html: str, select_id: str) -> list[int]:
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {select_id}"
    return [int(n) for n in OPTION.findall(match.group(1))]


def test_referral_page_offers_at_most_a_page_of_members(crowd, login):
    page = login(crowd["cardio_user"]).get(f"/referrals/{crowd['referral'].id}")
    html = page.get_data(as_text=True)
    for select_id in ("forward-receiver_id", "decline-suggested_member_id"):
        offered = _options(html, select_id)
        assert len(offered) == PICKER_SIZE
        assert crowd["gp"].id not in offered and crowd["cardio"].id not in offered
    assert 'hx-get="/members/choices"' in html and 'form="find-forward"' in html


def test_searching_without_javascript_reloads_with_the_matches(crowd, login):
    url = f"/referrals/{crowd['referral'].id}?open=forward&member_q=zed"
    html = login(crowd["cardio_user"]).get(url).get_data(as_text=True)
    assert _options(html, "forward-receiver_id") == [crowd["zed"].id]  # not the stranger
    assert re.search(r'<details class="action" id="action-forward"\s+open', html)


def test_the_sender_gets_no_member_choices(crowd, login):
    html = login(crowd["gp_user"]).get(f"/referrals/{crowd['referral'].id}").get_data(as_text=True)
    # (The cancel form has a select of reason codes, but no member to choose.)
    assert 'name="receiver_id"' not in html and 'name="suggested_member_id"' not in html
    assert "/members/choices" not in html


def test_choices_fragment_searches_the_callers_networks_only(crowd, login):
    client = login(crowd["cardio_user"])
    exclude = f"{crowd['gp'].id},{crowd['cardio'].id}"
    html = client.get(f"/members/choices?member_q=zed&exclude={exclude}").get_data(as_text=True)
    assert OPTION.findall(html) == [str(crowd["zed"].id)]
    assert "Zed Stranger" not in html
    everyone = client.get(f"/members/choices?exclude={exclude}").get_data(as_text=True)
    assert len(OPTION.findall(everyone)) == PICKER_SIZE
    assert str(crowd["gp"].id) not in OPTION.findall(everyone)
    boxes = client.get("/members/choices?member_q=member 0&style=checkboxes").get_data(as_text=True)
    assert boxes.count('type="checkbox" name="member_ids"') == 10  # Member 00 … Member 09


@pytest.mark.parametrize("bad", ["exclude=abc", "exclude=99999999999999", "network_id=-1"])
def test_choices_fragment_ignores_values_it_cannot_read(crowd, login, bad):
    response = login(crowd["cardio_user"]).get(f"/members/choices?{bad}")
    assert response.status_code == 200


def test_send_form_keeps_a_receiver_chosen_beyond_the_first_page(crowd, login):
    url = f"/referrals/new?receiver_id={crowd['zed'].id}"
    html = login(crowd["gp_user"]).get(url).get_data(as_text=True)
    offered = _options(html, "receiver_id")
    assert crowd["zed"].id in offered and len(offered) <= PICKER_SIZE + 1
    assert f'<option selected value="{crowd["zed"].id}">' in html


def test_user_form_links_a_member_found_by_search(crowd, make, login, db):
    admin = make.user(Role.ADMIN)
    practitioner = crowd["gp_user"]
    client = login(admin)
    html = client.get(f"/admin/users/{practitioner.id}/edit?member_q=zed").get_data(as_text=True)
    assert f'value="{crowd["gp"].id}" checked' in html  # already linked
    assert f'value="{crowd["zed"].id}">' in html  # found, not yet ticked
    assert html.count('name="member_ids"') <= 1 + PICKER_SIZE
    response = client.post(
        f"/admin/users/{practitioner.id}/edit",
        data={
            "email": practitioner.email,
            "name": practitioner.name,
            "role": "practitioner",
            "member_ids": [str(crowd["gp"].id), str(crowd["zed"].id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(db.session.get(User, practitioner.id).member_ids) == sorted(
        [crowd["gp"].id, crowd["zed"].id]
    )


def test_a_receiver_not_accepting_is_said_before_the_form_is_filled(crowd, make, login):
    full = make.member(crowd["gp"].network, name="Full Clinic", accepting=False)
    html = (
        login(crowd["gp_user"]).get(f"/referrals/new?receiver_id={full.id}").get_data(as_text=True)
    )
    assert "Full Clinic is not accepting new referrals at the moment." in html
