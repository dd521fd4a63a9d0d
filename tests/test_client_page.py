"""The client's page: a link for one referral opens no other; an expired, forged or revoked
link opens nothing; no clinical detail; the client's answers reach the receiver, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, Notification, Referral, ReferralEvent
from app.referrals.client_links import LINK_DAYS, SALT, client_link, revoke_client_links
from tests.client_contact import (
    CLINICAL_TEXT,
    accepted,
    client_emails,
    link_path,
    scheduled,
)
from tests.conftest import csrf_token_from
from tests.test_api import API, act, bearer, make_net


@pytest.fixture
def net(make, db) -> dict:
    found = make_net(make, db)
    found["cardio"].phone = "+44 20 7946 0000"
    found["network"].timezone = "Europe/London"
    db.session.commit()
    return found


def _link_of(db) -> str:
    return link_path(client_emails(db)[-1])


def _token(path: str) -> str:
    return path.removeprefix("/c/")


def _opens_nothing(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This link does not open anything" in html
    for secret in ("Heart Clinic", "Riverside", "Ada", "Lovelace", *CLINICAL_TEXT):
        assert secret not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_shows_status_receiver_and_appointment_without_clinical_detail(client, net, db):
    referral, _at = scheduled(client, net)
    path = _link_of(db)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your appointment with Heart Clinic is booked." in html
    assert "+44 20 7946 0000" in html
    assert "I will attend" in html and "I need another time" in html
    assert f"{path}/appointment.ics" in html
    for marker in CLINICAL_TEXT:
        assert marker not in html
    assert "Lovelace" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    viewed = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_id == referral["id"], AuditLog.action == "view")
    ).all()
    assert [row.detail for row in viewed] == ["by=client-link client page"]
    assert viewed[0].user_id is None

    ics = client.get(f"{path}/appointment.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "SUMMARY:Appointment with Heart Clinic" in ics.get_data(as_text=True)
    assert ics.headers["Cache-Control"] == "no-store"


def test_an_accepted_referral_shows_no_appointment_and_no_answers(client, net, db):
    accepted(client, net)
    html = client.get(_link_of(db)).get_data(as_text=True)
    assert "Heart Clinic has accepted your referral" in html
    assert "I will attend" not in html
    assert client.get(f"{_link_of(db)}/appointment.ics").status_code == 404


def test_a_link_opens_its_own_referral_and_no_other(client, net, db):
    first, _ = scheduled(client, net)
    first_path = _link_of(db)
    second, _ = scheduled(client, net, days=5, family_name="Byron")
    second_path = _link_of(db)
    assert first_path != second_path
    # Each token names its referral: swapped, each still opens only its own.
    token_a, token_b = _token(first_path), _token(second_path)
    serializer = URLSafeSerializer("test-secret-key", salt=SALT)
    a, b = serializer.loads(token_a), serializer.loads(token_b)
    assert (a["r"], b["r"]) == (first["id"], second["id"])
    # The referral id tampered with in the payload: the signature no longer holds.
    payload, signature = token_a.split(".")
    tampered_payload = URLSafeSerializer("x", salt=SALT).dumps({**a, "r": second["id"]})
    _opens_nothing(client, f"/c/{tampered_payload.split('.')[0]}.{signature}")
    # Even signed with the right key, a's nonce does not open b (the nonce is b's own).
    _opens_nothing(client, "/c/" + serializer.dumps({**a, "r": second["id"]}))
    _opens_nothing(client, "/c/" + serializer.dumps({**b, "r": first["id"]}))
    # Forged: another key, or the right key with another salt.
    _opens_nothing(client, "/c/" + URLSafeSerializer("guess", salt=SALT).dumps(a))
    _opens_nothing(client, "/c/" + URLSafeSerializer("test-secret-key", salt="x").dumps(a))
    _opens_nothing(client, f"/c/{payload}.{signature[:-2]}AA")
    _opens_nothing(client, "/c/not-a-token")
    _opens_nothing(client, "/c/" + "A" * 500)
    # A token's answer can only reach its own referral.
    client.post(f"{first_path}/confirm")
    events = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "client-confirm")
    ).all()
    assert [e.referral_id for e in events] == [first["id"]]


def test_an_expired_link_opens_nothing(client, net, db):
    _referral, at = scheduled(client, net)
    path = _link_of(db)
    with time_machine.travel(at + timedelta(days=LINK_DAYS - 1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(at + timedelta(days=LINK_DAYS, minutes=1), tick=False):
        _opens_nothing(client, path)
        assert client.post(f"{path}/confirm").status_code == 404
    assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 0


def test_a_revoked_link_opens_nothing_and_the_next_email_carries_a_new_one(client, net, db):
    referral, _at = scheduled(client, net)
    old = _link_of(db)
    revoke_client_links(db.session.get(Referral, referral["id"]))
    db.session.commit()
    _opens_nothing(client, old)
    fresh = link_path_of(client_link(db.session.get(Referral, referral["id"])))
    db.session.commit()
    assert client.get(fresh).status_code == 200


def link_path_of(url: str) -> str:
    return "/c/" + url.split("/c/", 1)[1]


def test_withdrawn_contact_consent_closes_the_page(client, net, db):
    referral, _ = scheduled(client, net)
    path = _link_of(db)
    db.session.get(Referral, referral["id"]).client.contact_consent = False
    db.session.commit()
    _opens_nothing(client, path)


def test_confirm_is_recorded_once_and_the_receiver_sees_it(client, net, db, login):
    referral, _at = scheduled(client, net)
    path = _link_of(db)
    first = client.post(f"{path}/confirm")
    assert first.status_code == 302 and first.headers["Location"].endswith(path)
    again = client.post(f"{path}/confirm")
    assert again.status_code == 302
    events = (
        _db.session.query(ReferralEvent)
        .filter_by(referral_id=referral["id"], action="client-confirm")
        .all()
    )
    assert len(events) == 1 and events[0].actor_id is None
    told = _db.session.query(Notification).filter_by(kind="client-confirm").all()
    assert [n.user_id for n in told] == [net["cardio_user"].id]
    assert "confirmed they will attend" in told[0].message
    page = client.get(path).get_data(as_text=True)
    assert "You told Heart Clinic you will attend." in page

    receiver = login(net["cardio_user"])
    html = receiver.get(f"/referrals/{referral['id']}").get_data(as_text=True)
    assert "The client confirmed they will attend" in html


def test_rebook_with_a_message_reaches_the_receiver(client, net, db, login):
    referral, _at = scheduled(client, net)
    path = _link_of(db)
    response = client.post(f"{path}/rebook", data={"message": "Tuesdays after 3 pm suit me"})
    assert response.status_code == 302
    client.post(f"{path}/rebook", data={"message": "Tuesdays after 3 pm suit me"})
    events = _db.session.query(ReferralEvent).filter_by(action="client-rebook").all()
    assert len(events) == 1 and "Tuesdays after 3 pm suit me" in events[0].note
    # Changing one's mind is recorded: confirm after rebook.
    client.post(f"{path}/confirm")
    assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 1
    receiver = login(net["cardio_user"])
    html = receiver.get(f"/referrals/{referral['id']}").get_data(as_text=True)
    assert "The client asked to rebook" in html and "Tuesdays after 3 pm suit me" in html


def test_a_new_time_can_be_confirmed_again(client, net, db):
    referral, at = scheduled(client, net)
    path = _link_of(db)
    client.post(f"{path}/confirm")
    moved = act(
        client,
        net["b"],
        client.get(f"/api/v1/referrals/{referral['id']}", headers=net["b"]).get_json(),
        "reschedule",
        appointment_at=(at + timedelta(days=1)).isoformat(),
    )
    assert moved.status_code == 200
    client.post(f"{_link_of(db)}/confirm")
    assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 2


def test_a_bad_message_is_refused_and_nothing_recorded(client, net, db):
    scheduled(client, net)
    path = _link_of(db)
    response = client.post(f"{path}/rebook", data={"message": "bad \u202e text"})
    assert response.status_code == 302
    assert _db.session.query(ReferralEvent).filter_by(action="client-rebook").count() == 0
    html = client.get(path).get_data(as_text=True)
    assert "characters that are not allowed" in html
    too_long = client.post(f"{path}/rebook", data={"message": "x" * 501})
    assert too_long.status_code == 302
    assert _db.session.query(ReferralEvent).filter_by(action="client-rebook").count() == 0


def test_answers_need_a_booked_appointment(client, net, db):
    accepted(client, net)
    path = _link_of(db)
    assert client.post(f"{path}/confirm").status_code == 302
    assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 0


def test_answers_need_the_csrf_token(app, client, net, db):
    scheduled(client, net)
    path = _link_of(db)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(f"{path}/confirm")
        assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 0
        assert refused.status_code == 400  # the app-wide CSRF check

        token = csrf_token_from(client.get(path).get_data(as_text=True))
        client.post(f"{path}/confirm", data={"csrf_token": token})
        assert _db.session.query(ReferralEvent).filter_by(action="client-confirm").count() == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_business_client_reads_meeting_words(client, make, db):
    network = make.network(name="Lawyers", kind="professional")
    a = make.member(network, name="Smith Accounting")
    b = make.member(network, name="Jones Law", specialties=["Family law"])
    heads = {"a": bearer(db, make.practitioner(a)), "b": bearer(db, make.practitioner(b))}
    body = {
        "receiver_id": b.id,
        "kind": "professional",
        "reason": "A lease dispute",
        "service": "Advice on a lease",
        "client": {
            "given_name": "Bo",
            "family_name": "C",
            "email": "bo@example.org",
            "contact_consent": True,
        },
    }
    sent = client.post(f"{API}/referrals", json=body, headers=heads["a"]).get_json()
    referral = act(client, heads["b"], sent, "accept").get_json()
    html = client.get(link_path(client_emails(db, "bo@example.org")[-1])).get_data(as_text=True)
    assert "to arrange a meeting" in html and "appointment" not in html.lower()
    assert "lease" not in html.lower()
    assert referral["status"] == "accepted"


def test_a_party_stops_the_links_from_the_referral_page_an_outsider_cannot(
    client, net, db, login, make
):
    referral, _at = scheduled(client, net)
    path = _link_of(db)
    outsider = make.practitioner(make.member(make.network()))
    stranger = login(outsider)
    assert stranger.post(f"/referrals/{referral['id']}/client-links/stop").status_code == 404
    assert client.get(path).status_code == 200
    stranger.post("/logout")

    sender = login(net["gp_user"])
    page = sender.get(f"/referrals/{referral['id']}").get_data(as_text=True)
    assert "Stop the client&#39;s links" in page or "Stop the client's links" in page
    stopped = sender.post(f"/referrals/{referral['id']}/client-links/stop")
    assert stopped.status_code == 302
    _opens_nothing(client, path)
    assert (
        _db.session.query(AuditLog)
        .filter_by(action="revoke-client-link", entity_id=referral["id"])
        .count()
        == 1
    )


def test_the_operator_stops_the_links_at_the_shell(app, client, net, db):
    referral, _at = scheduled(client, net)
    path = _link_of(db)
    result = app.test_cli_runner().invoke(
        args=["referrals", "stop-client-links", str(referral["id"])]
    )
    assert result.exit_code == 0 and "Stopped." in result.output
    _opens_nothing(client, path)
    missing = app.test_cli_runner().invoke(args=["referrals", "stop-client-links", "999999"])
    assert missing.exit_code != 0 and "no such referral" in missing.output


def test_a_party_opens_the_client_page_as_the_client_sees_it(client, net, db, login, make):
    referral, _at = scheduled(client, net)
    receiver = login(net["cardio_user"])
    page = receiver.get(f"/referrals/{referral['id']}").get_data(as_text=True)
    assert "The client's page, as the client sees it" in page
    opened = receiver.get(f"/referrals/{referral['id']}/client-page")
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/c/")
    assert receiver.get(opened.headers["Location"]).status_code == 200
    receiver.post("/logout")

    outsider = login(make.practitioner(make.member(make.network())))
    assert outsider.get(f"/referrals/{referral['id']}/client-page").status_code == 404
    outsider.post("/logout")

    quiet, _at = scheduled(client, net, contact_consent=False, family_name="Byron")
    sender = login(net["gp_user"])
    assert "as the client sees it" not in sender.get(f"/referrals/{quiet['id']}").get_data(
        as_text=True
    )
    refused = sender.get(f"/referrals/{quiet['id']}/client-page")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(
        f"/referrals/{quiet['id']}"
    )
