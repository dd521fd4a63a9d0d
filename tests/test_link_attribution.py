"""Which link a referral is credited to (first or last touch, within the window, frozen
clock), and the conversions counted for it as the referral moves on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.links.conversions import record_lead
from app.links.figures import by_channel
from app.links.service import create_link
from app.links.throttle import init_link_throttle
from app.models import (
    ConversionKind,
    LinkAttribution,
    LinkConversion,
    LinkIntake,
    Referral,
    Touch,
)
from app.referrals.service import perform

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = {
    "given_name": "Nia",
    "family_name": "Okafor",
    "email": "nia@example.org",
    "message": "My knee hurts after running.",
}


@pytest.fixture
def public(app, client):
    init_link_throttle(app)
    return client


@pytest.fixture
def links(make):
    """Two owners' links to one physiotherapist, and a link to someone else."""
    network = make.network(kind="professional")
    target = make.member(network, name="Target Physio")
    elsewhere = make.member(network, name="Elsewhere")
    made = {}
    for name in ("a", "b", "c"):
        owner = make.member(network, name=f"Owner {name}")
        user = make.practitioner(owner)
        made[name] = create_link(user, (elsewhere if name == "c" else target).id)
    made["receiver"] = make.practitioner(target)
    db.session.commit()
    return made


def _visit(public, link, clock, at):
    clock.move_to(at)
    return public.get(f"/r/{link.code}").get_data(as_text=True)


def _send(public, link, html):
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', html).group(1)
    response = public.post(f"/r/{link.code}", data={**GOOD, "form_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(LinkIntake).order_by(LinkIntake.id.desc()))


def _credited(intake) -> LinkAttribution:
    return db.session.get(LinkAttribution, intake.referral_id)


@pytest.mark.parametrize(("touch", "credited"), [(Touch.LAST, "b"), (Touch.FIRST, "a")])
def test_first_or_last_touch_within_the_window(public, links, touch, credited):
    links["b"].touch = touch
    db.session.commit()
    with time_machine.travel(START, tick=False) as clock:
        _visit(public, links["a"], clock, START)
        _visit(public, links["c"], clock, START + timedelta(days=1))  # another target
        html = _visit(public, links["b"], clock, START + timedelta(days=10))
        clock.move_to(START + timedelta(days=12))
        intake = _send(public, links["b"], html)
    attribution = _credited(intake)
    assert attribution.link_id == links[credited].id
    assert attribution.touch == touch
    expected_at = START if credited == "a" else START + timedelta(days=10)
    assert attribution.at == expected_at
    assert intake.link_id == links["b"].id  # the page filled in stays the source


def test_a_touch_older_than_the_window_does_not_count(public, links):
    links["b"].touch = Touch.FIRST
    links["b"].window_days = 30
    db.session.commit()
    with time_machine.travel(START, tick=False) as clock:
        _visit(public, links["a"], clock, START)
        html = _visit(public, links["b"], clock, START + timedelta(days=29))
        clock.move_to(START + timedelta(days=30, seconds=1))
        intake = _send(public, links["b"], html)
    assert _credited(intake).link_id == links["b"].id


def test_the_window_edge_still_counts(public, links):
    links["b"].touch = Touch.FIRST
    db.session.commit()
    with time_machine.travel(START, tick=False) as clock:
        _visit(public, links["a"], clock, START)
        html = _visit(public, links["b"], clock, START + timedelta(days=5))
        clock.move_to(START + timedelta(days=30))
        intake = _send(public, links["b"], html)
    assert _credited(intake).link_id == links["a"].id


def test_a_forged_cookie_is_ignored(public, links):
    html = public.get(f"/r/{links['b'].code}").get_data(as_text=True)
    public.set_cookie("refnet_touch", "W1sxLDEsMV1d.forged", path="/r")
    intake = _send(public, links["b"], html)
    attribution = _credited(intake)
    assert attribution.link_id == links["b"].id and attribution.visit_id is None


def test_conversions_follow_the_referral_with_the_value_as_revenue(public, links):
    html = public.get(f"/r/{links['a'].code}").get_data(as_text=True)
    intake = _send(public, links["a"], html)
    referral = db.session.get(Referral, intake.referral_id)
    receiver = links["receiver"]
    perform(referral, "accept", receiver)
    perform(referral, "record-visit", receiver, values={"visit_date": datetime.now(UTC).date()})
    perform(referral, "close", receiver, values={"outcome": "Done well.", "value": "1250.00"})
    db.session.commit()
    rows = list(db.session.scalars(select(LinkConversion).order_by(LinkConversion.id)))
    assert [r.kind for r in rows] == [
        ConversionKind.ACCEPTED,
        ConversionKind.VISITED,
        ConversionKind.CLOSED,
    ]
    assert {r.link_id for r in rows} == {links["a"].id}
    assert rows[-1].value == Decimal("1250.00") and rows[0].value is None


def test_referrals_from_no_link_count_nothing(make):
    network = make.network(kind="professional")
    a, b = make.member(network), make.member(network)
    referral = make.referral(a, b, kind="professional")
    perform(referral, "accept", make.practitioner(b))
    db.session.commit()
    assert db.session.scalar(select(LinkConversion)) is None


def test_funnel_by_channel(public, links):
    public.get(f"/r/{links['a'].code}?c=qr")
    html = public.get(f"/r/{links['a'].code}?c=sms").get_data(as_text=True)
    intake = _send(public, links["a"], html)
    record_lead(db.session.get(Referral, intake.referral_id), datetime.now(UTC))
    db.session.commit()
    funnels = {f.channel.value: f for f in by_channel([links["a"].id])}
    assert funnels["qr"].visits == 1 and funnels["qr"].leads == 0
    assert funnels["sms"].visits == 1 and funnels["sms"].leads == 1
    assert "direct" not in funnels
