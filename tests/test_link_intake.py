"""The public intake behind a link: visits, the form, the confirmation, hostile input."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.links.codes import grouped
from app.links.service import create_link
from app.links.throttle import init_link_throttle
from app.links.visits import address_hash
from app.models import (
    Client,
    ConversionKind,
    LinkAttribution,
    LinkConversion,
    LinkIntake,
    LinkVisit,
    Notification,
    OutboxMessage,
    Referral,
    ReferralLink,
    Status,
    utcnow,
)
from tests.conftest import csrf_token_from


@pytest.fixture
def public(app, client):
    init_link_throttle(app)  # each test starts with nothing counted
    return client


def _link(make, kind="professional", **kw):
    network = make.network(kind=kind)
    owner = make.member(network, name="Dr Owner Practice")
    target = make.member(network, name="Target Physio", specialties=["Physiotherapy"])
    user = make.practitioner(owner)
    link = create_link(user, target.id, **kw)
    db.session.commit()
    return link, user, target


def _csrf(html: str) -> str:
    """The page's CSRF token (tests run with CSRF off unless they turn it on)."""
    return csrf_token_from(html) if 'name="csrf_token"' in html else ""


def _form(html: str) -> dict:
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', html).group(1)
    return {"csrf_token": _csrf(html), "form_token": token}


GOOD = {
    "given_name": "Nia",
    "family_name": "Okafor",
    "email": "nia@example.org",
    "phone": "",
    "message": "My knee hurts after running.",
    "website": "",
}


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Referral, Client, LinkIntake, LinkAttribution, OutboxMessage)
    )


def test_the_page_names_who_refers_to_whom_and_records_a_hashed_visit(make, public):
    link, _user, _target = _link(make)
    response = public.get(f"/r/{link.code.lower()}?c=whatsapp")
    assert response.status_code == 302
    response = public.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dr Owner Practice refers you to Target Physio" in html
    assert response.headers["Cache-Control"] == "no-store"
    visit = db.session.scalar(select(LinkVisit))
    assert visit.link_id == link.id and visit.channel.value == "whatsapp"
    assert visit.address_hash == address_hash("127.0.0.1") and "127.0.0.1" not in visit.address_hash
    assert len(visit.address_hash) == 64
    assert "refnet_touch=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_unknown_paused_and_ended_links(make, public):
    link, _user, _ = _link(make)
    ended, _, _ = _link(make)
    ended.ends_at = utcnow()
    db.session.commit()
    assert public.get(f"/r/{ended.code}").status_code == 410
    assert public.get("/r/ZZZZZZZZZZ").status_code == 404
    assert public.get("/r/not-a-code-at-all").status_code == 404
    link.paused_at = utcnow()
    db.session.commit()
    response = public.get(f"/r/{link.code}")
    assert response.status_code == 410 and "no longer in use" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LinkVisit)) == 0


def test_a_typed_code_opens_like_the_link(make, public):
    link, _, _ = _link(make)
    response = public.get("/r", query_string={"code": grouped(link.code).lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/r/{link.code}?c=code")
    assert public.get("/r", query_string={"code": "ABCDEFGHJK"}).status_code == 404


def test_intake_makes_one_referral_and_confirmation_makes_a_lead(make, public, app):
    link, owner_user, target = _link(make)
    html = public.get(f"/r/{link.code}?c=email").get_data(as_text=True)
    data = {**GOOD, **_form(html)}
    response = public.post(f"/r/{link.code}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = public.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nia" not in page and "nia@example.org" not in page
    again = public.post(f"/r/{link.code}", data=data)  # posted twice: still one referral
    assert again.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert _counts()[0] == 1
    assert referral.status == Status.SENT and referral.receiver_id == target.id
    assert referral.sender_id == link.owner_member_id and referral.created_by_id is None
    intake = db.session.scalar(select(LinkIntake))
    assert intake.referral_id == referral.id and not intake.confirmed
    attribution = db.session.get(LinkAttribution, referral.id)
    assert attribution.link_id == link.id and attribution.visit_id == intake.visit_id
    assert intake.visit_id is not None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "nia@example.org"))
    assert mail is not None
    url = re.search(r"https?://\S+/r/confirm/\S+", mail.body).group(0)
    path = url[url.index("/r/confirm/") :]
    assert db.session.scalar(select(func.count()).select_from(LinkConversion)) == 0
    response = public.get(path)
    assert response.status_code == 200 and "confirmed" in response.get_data(as_text=True)
    assert "Nia" not in response.get_data(as_text=True)
    assert public.get(path).status_code == 200  # opened twice: one lead
    assert public.get(path[:-3] + "abc").status_code == 404  # tampered with
    conversions = list(db.session.scalars(select(LinkConversion)))
    assert [(c.kind, c.link_id) for c in conversions] == [(ConversionKind.LEAD, link.id)]
    assert db.session.get(LinkIntake, intake.id).confirmed
    # The link's owner is told once (confirmed twice above): in the app, and by an e-mail
    # queued for the outbox worker, not sent by the request; no client data in either.
    leads = db.session.scalars(select(Notification).where(Notification.kind == "lead")).all()
    assert [(n.user_id, n.referral_id) for n in leads] == [(owner_user.id, referral.id)]
    assert f"{grouped(link.code)} brought a lead" in leads[0].message
    (told,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == owner_user.email)
    ).all()
    assert told.sent_at is None and "brought a lead" in told.subject
    assert "Nia" not in told.body and "Okafor" not in told.body


@pytest.mark.parametrize(
    "change",
    [
        {"given_name": "Nia\x00"},
        {"family_name": "O\u202ekafor"},
        {"given_name": "x" * 5000},
        {"message": "y" * 100_000},
        {"email": ""},
        {"email": "no-at-sign"},
        {"website": "http://spam.example"},
        {"form_token": "short"},
        {"given_name": ""},
    ],
)
def test_hostile_intake_is_refused_and_writes_nothing(make, public, change):
    link, _, _ = _link(make)
    html = public.get(f"/r/{link.code}").get_data(as_text=True)
    before = _counts()
    response = public.post(f"/r/{link.code}", data={**GOOD, **_form(html), **change})
    assert 400 <= response.status_code < 500
    assert _counts() == before


def test_a_clinical_link_needs_consent_and_birth_date(make, public):
    link, _, _ = _link(make, kind="clinical")
    html = public.get(f"/r/{link.code}").get_data(as_text=True)
    assert "Birth date" in html
    response = public.post(f"/r/{link.code}", data={**GOOD, **_form(html)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "consent" in text and "birth date" in text
    assert _counts()[0] == 0
    response = public.post(
        f"/r/{link.code}",
        data={**GOOD, **_form(html), "birth_date": "1990-02-03", "consent": "y"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Referral)).kind.value == "clinical"


def test_without_csrf_nothing_is_sent(make, app, public):
    link, _, _ = _link(make)
    html = public.get(f"/r/{link.code}").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = {**GOOD, **_form(html), "csrf_token": "forged"}
        assert public.post(f"/r/{link.code}", data=data).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _counts()[0] == 0


def test_a_likely_duplicate_is_held_for_the_receiver_not_refused(make, public):
    link, _, _ = _link(make)
    ids = []
    for _ in range(2):
        html = public.get(f"/r/{link.code}").get_data(as_text=True)
        assert public.post(f"/r/{link.code}", data={**GOOD, **_form(html)}).status_code == 302
    intakes = list(db.session.scalars(select(LinkIntake).order_by(LinkIntake.id)))
    ids = [i.referral_id for i in intakes]
    assert len(ids) == 2
    assert intakes[0].possible_duplicate_of_id is None
    assert intakes[1].possible_duplicate_of_id == ids[0]


def test_the_public_page_is_throttled_per_address(make, app, public):
    link, _, _ = _link(make)
    app.config.update(LINK_OPEN_LIMIT="3 per minute", LINK_INTAKE_LIMIT="1 per hour")
    init_link_throttle(app)
    try:
        codes = [public.get(f"/r/{link.code}").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        assert public.get("/r/ABCDEFGHJK").status_code == 429  # guessing counts too
        other = public.get(f"/r/{link.code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200
        html = other.get_data(as_text=True)
        refused = public.post(
            f"/r/{link.code}",
            data={**GOOD, **_form(html), "email": ""},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert refused.status_code == 422  # writes nothing, uses none of the intake quota
        first = public.post(
            f"/r/{link.code}",
            data={**GOOD, **_form(html)},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert first.status_code == 302
        second = public.post(
            f"/r/{link.code}",
            data={**GOOD, **_form(html), "form_token": "another-token-0123456789"},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert second.status_code == 429
    finally:
        app.config.update(LINK_OPEN_LIMIT="60 per minute", LINK_INTAKE_LIMIT="10 per hour")
        init_link_throttle(app)
    assert _counts()[0] == 1


FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "message", "consent")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            st.text(max_size=60),
            st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
            st.sampled_from(["", " ", "\x00", "\u202e", "1990-13-45", "y", "a@b", "9" * 400]),
        ),
    ),
    website=st.sampled_from(["", "", "", "x"]),
)
def test_random_intakes_never_fail_and_never_half_write(make, app, public, values, website):
    app.config.update(LINK_OPEN_LIMIT="100000 per minute", LINK_INTAKE_LIMIT="100000 per hour")
    init_link_throttle(app)
    try:
        link = db.session.scalar(select(ReferralLink)) or _link(make, kind="mixed")[0]
        html = public.get(f"/r/{link.code}").get_data(as_text=True)
        before = _counts()
        data = {**_form(html), **values, "website": website}
        response = public.post(f"/r/{link.code}", data=data)
        assert response.status_code < 500
        after = _counts()
        if response.status_code == 302:
            assert website == ""
            assert after[:4] == tuple(n + 1 for n in before[:4])
        else:
            assert 400 <= response.status_code < 500
            assert after == before
    finally:
        app.config.update(LINK_OPEN_LIMIT="60 per minute", LINK_INTAKE_LIMIT="10 per hour")


def test_a_post_without_the_form_token_still_sends_once(make, public):
    link, _, _ = _link(make)
    html = public.get(f"/r/{link.code}").get_data(as_text=True)
    data = {**GOOD, "csrf_token": _csrf(html)}
    assert public.post(f"/r/{link.code}", data=data).status_code == 302
    assert _counts()[0] == 1


def test_a_target_that_takes_no_referrals_is_said_before_the_form(make, public):
    link, _, target = _link(make)
    target.accepting = False
    db.session.commit()
    response = public.get(f"/r/{link.code}")
    assert response.status_code == 409
    assert "not taking new requests" in response.get_data(as_text=True)
    assert 'name="given_name"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LinkVisit)) == 0


def test_a_link_of_a_member_who_left_is_closed(make, public):
    link, _, _ = _link(make)
    link.owner_member.active = False
    db.session.commit()
    assert public.get(f"/r/{link.code}").status_code == 410
