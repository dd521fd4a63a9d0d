"""The client kept informed by e-mail: only with consent and an address, never clinical detail,
the appointment as an .ics whose SEQUENCE grows with each new time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db as _db
from app.mail.outbox import deliver_all
from app.models import Client, Referral
from app.referrals.client_mail import queue_client_email
from tests.client_contact import (
    CLIENT_EMAIL,
    CLINICAL_TEXT,
    accepted,
    client_emails,
    contactable,
    ics_fields,
    link_path,
    scheduled,
)
from tests.test_api import API, act, bearer, make_net
from tests.test_referral_pages import send_form_data


@pytest.fixture
def net(make, db) -> dict:
    found = make_net(make, db)
    cardio = found["cardio"]
    cardio.phone, cardio.email = "+44 20 7946 0000", "desk@heart.example"
    cardio.address, cardio.city, cardio.postcode = "1 Harley Street", "London", "W1G 9QD"
    found["network"].timezone = "Europe/London"
    db.session.commit()
    return found


def _no_clinical_detail(text: str) -> None:
    for marker in CLINICAL_TEXT:
        assert marker not in text, marker


def test_accepted_scheduled_rescheduled_each_email_the_client(client, net, db):
    referral, at = scheduled(client, net)
    later = at + timedelta(days=2, hours=1)
    answer = act(client, net["b"], referral, "reschedule", appointment_at=later.isoformat())
    assert answer.status_code == 200, answer.get_json()

    kinds = [m.headers["X-Refnet-Client-Email"] for m in client_emails(db)]
    assert kinds == ["accepted", "scheduled", "rescheduled"]
    accepted_mail, scheduled_mail, moved_mail = client_emails(db)
    assert accepted_mail.subject == "refnet: Heart Clinic accepted your referral"
    assert accepted_mail.attachments is None
    for message in client_emails(db):
        _no_clinical_detail(message.subject + message.body + str(message.attachments))
        assert "Ada" not in message.subject + message.body  # no client name either
        assert "+44 20 7946 0000" in message.body and "desk@heart.example" in message.body
        assert link_path(message).startswith("/c/")
    local = at.astimezone(ZoneInfo("Europe/London"))
    assert f"{local:%A %d %B %Y at %H:%M} (Europe/London time)" in scheduled_mail.body
    assert "has moved" in moved_mail.body


def test_the_ics_parses_and_its_sequence_grows_on_reschedule(client, net, db):
    referral, at = scheduled(client, net)
    later = at + timedelta(days=1)
    act(client, net["b"], referral, "reschedule", appointment_at=later.isoformat())
    first, second = (m.attachments[0] for m in client_emails(db)[1:])
    assert first["filename"] == "appointment.ics"
    assert first["content_type"].startswith("text/calendar; method=REQUEST")
    one, two = ics_fields(first["content"]), ics_fields(second["content"])
    assert one["METHOD"] == "REQUEST" and one["BEGIN"] == "VCALENDAR"
    assert one["UID"] == two["UID"] and str(referral["id"]) in one["UID"]
    assert one["DTSTART"] == at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert two["DTSTART"] == later.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert (int(one["SEQUENCE"]), int(two["SEQUENCE"])) == (0, 1)
    assert one["SUMMARY"] == "Appointment with Heart Clinic"
    assert one["LOCATION"] == "1 Harley Street\\, W1G 9QD London"
    for text in (first["content"], second["content"]):
        _no_clinical_detail(text)
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_no_email_without_contact_consent(client, net, db):
    referral, at = scheduled(client, net, contact_consent=False)
    assert client_emails(db) == []
    # The other side is still told, as before.
    assert (
        act(
            client,
            net["b"],
            referral,
            "reschedule",
            appointment_at=(at + timedelta(days=1)).isoformat(),
        ).status_code
        == 200
    )
    assert client_emails(db) == []


def test_contact_consent_needs_an_email_address(client, net, db):
    response = client.post(
        f"{API}/referrals",
        json={
            "receiver_id": net["cardio"].id,
            "kind": "clinical",
            "reason": "Something",
            "service": "Something",
            "client": {
                "given_name": "Ada",
                "family_name": "Lovelace",
                "birth_date": "1980-05-17",
                "consent": True,
                "contact_consent": True,
            },
        },
        headers=net["a"],
    )
    assert response.status_code == 422
    assert "e-mail address" in response.get_json()["fields"]["client.contact_consent"]
    assert _db.session.query(Referral).count() == 0


def test_no_email_when_the_address_is_gone(client, net, db):
    referral = accepted(client, net)
    row = db.session.get(Referral, referral["id"])
    row.client.email = None
    db.session.commit()
    assert queue_client_email(row, "accepted") is None
    with pytest.raises(ValueError):
        queue_client_email(row, "bogus")


def test_the_api_shows_contact_consent(client, net, db):
    referral = contactable(client, net)
    assert referral["client"]["contact_consent"] is True
    other = contactable(client, net, contact_consent=False, family_name="Byron")
    assert other["client"]["contact_consent"] is False
    assert db.session.get(Client, other["client"]["id"]).contact_consent is False


def test_emails_reach_a_real_smtp_server_with_the_ics(client, net, db, smtp_server):
    scheduled(client, net)
    deliver_all()  # what the worker does: requests only queue
    to_client = [m for m in smtp_server if m["To"] == CLIENT_EMAIL]
    assert [m["X-Refnet-Client-Email"] for m in to_client] == ["accepted", "scheduled"]
    calendar = [p for p in to_client[1].walk() if p.get_content_type() == "text/calendar"]
    assert len(calendar) == 1
    part = calendar[0]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "appointment.ics"
    text = part.get_payload(decode=True).decode()
    assert ics_fields(text)["SUMMARY"] == "Appointment with Heart Clinic"
    _no_clinical_detail(to_client[1].as_string())


def test_a_business_client_reads_meeting_words(client, make, db):
    network = make.network(name="Lawyers", kind="professional")
    a = make.member(network, name="Smith Accounting")
    b = make.member(network, name="Jones Law", specialties=["Family law"])
    net = {"a": bearer(db, make.practitioner(a)), "b": bearer(db, make.practitioner(b))}
    response = client.post(
        f"{API}/referrals",
        json={
            "receiver_id": b.id,
            "kind": "professional",
            "reason": "A lease dispute",
            "service": "Advice on a lease",
            "client": {
                "given_name": "Bo",
                "family_name": "Client",
                "email": CLIENT_EMAIL,
                "contact_consent": True,
            },
        },
        headers=net["a"],
    )
    assert response.status_code == 201, response.get_json()
    referral = act(client, net["b"], response.get_json(), "accept").get_json()
    at = datetime.now(UTC) + timedelta(days=4)
    act(client, net["b"], referral, "schedule", appointment_at=at.isoformat())
    accepted_mail, scheduled_mail = client_emails(db)
    assert "arrange a meeting" in accepted_mail.body
    assert scheduled_mail.subject == "refnet: Your meeting with Jones Law"
    assert ics_fields(scheduled_mail.attachments[0]["content"])["SUMMARY"] == (
        "Meeting with Jones Law"
    )
    assert "appointment" not in scheduled_mail.body.lower()
    assert "lease" not in scheduled_mail.body.lower()


def test_the_send_form_asks_for_contact_consent_and_needs_an_address(client, net, db, login):
    gp = login(net["gp_user"])
    form = gp.get("/referrals/new").get_data(as_text=True)
    assert "agrees to be e-mailed about this referral" in form
    assert "Needs the client&#39;s e-mail address" in form or "Needs the client's e-mail" in form
    data = send_form_data(net["cardio"], contact_consent="y")
    refused = gp.post("/referrals/new", data=data)
    assert refused.status_code == 422
    assert "give their e-mail address" in refused.get_data(as_text=True)
    assert _db.session.query(Referral).count() == 0

    sent = gp.post("/referrals/new", data={**data, "email": CLIENT_EMAIL})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    referral = _db.session.query(Referral).one()
    assert referral.client.contact_consent is True
    page = gp.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "E-mail updates" in page and "agreed: the client is e-mailed" in page


def test_an_appointment_reminder_reuses_the_same_email_and_ics(client, net, db):
    referral, at = scheduled(client, net)
    row = db.session.get(Referral, referral["id"])
    reminder = queue_client_email(row, "appointment-reminder")
    db.session.commit()
    assert reminder.subject == "refnet: Reminder: your appointment with Heart Clinic"
    assert reminder.headers["X-Refnet-Client-Email"] == "appointment-reminder"
    fields = ics_fields(reminder.attachments[0]["content"])
    assert fields["DTSTART"] == at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["SEQUENCE"] == "0"  # a reminder does not move the appointment
    assert link_path(reminder).startswith("/c/")
    _no_clinical_detail(reminder.body)
    assert client.get(link_path(reminder)).status_code == 200


def test_no_appointment_no_appointment_email(client, net, db):
    row = db.session.get(Referral, accepted(client, net)["id"])
    assert queue_client_email(row, "appointment-reminder") is None
    assert queue_client_email(row, "scheduled") is None
