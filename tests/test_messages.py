"""Messages on a referral: who may read and post (404 for outsiders), every read audited,
unread markers and the lists' badge, notification and a minimum-necessary e-mail,
attachments checked as the send form's, and the API."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.mail.outbox import deliver_pending
from app.models import AuditLog, Document, Message, Notification, OutboxMessage, Role
from app.threads.places import referral_thread
from app.threads.service import post_message, read_thread
from tests.conftest import PASSWORD
from tests.test_api import bearer

PDF = b"%PDF-1.4 a scan of the ECG"


@pytest.fixture
def talk(make, db):
    network = make.network(name="Talk Network", kind="clinical")
    other_network = make.network(name="Elsewhere", kind="clinical")
    gp = make.member(network, name="Hill GP", email="hill@example.org")
    cardio = make.member(network, name="Heart Clinic", specialties=["Cardiology"])
    third = make.member(network, name="Third Practice")
    client = make.client(network, given_name="Wilhelmina", family_name="Quartz")
    referral = make.referral(gp, cardio, client=client, reason="SECRET-REASON-4411")
    users = {
        "sender": make.practitioner(gp, name="Dr Hill"),
        "receiver": make.practitioner(cardio, name="Dr Heart"),
        "coordinator": make.user(Role.COORDINATOR, networks=[network], name="Coco Ord"),
        "admin": make.user(Role.ADMIN),
        "other_member": make.practitioner(third),
        "other_coordinator": make.user(Role.COORDINATOR, networks=[other_network]),
    }
    return {"referral": referral, "users": users, "gp": gp, "cardio": cardio}


def _post(client, referral_id, body="Can you send the latest ECG?", **extra):
    data = {"body": body, **extra}
    return client.post(
        f"/referrals/{referral_id}/messages", data=data, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("who", ["sender", "receiver", "coordinator", "admin"])
def test_parties_read_and_post_and_each_read_is_audited(talk, login, db, who):
    user = talk["users"][who]
    referral_id = talk["referral"].id
    browser = login(user)
    response = _post(browser, referral_id, body=f"A word from the {who}")
    assert response.status_code == 303
    page = browser.get(f"/referrals/{referral_id}")
    html = page.get_data(as_text=True)
    assert f"A word from the {who}" in html
    assert user.name in html
    reads = db.session.scalars(
        select(AuditLog).where(
            AuditLog.action == "read", AuditLog.entity == "thread", AuditLog.user_id == user.id
        )
    ).all()
    assert [r.entity_id for r in reads] == [referral_id]
    side = db.session.scalar(select(Message.side))
    assert side == {"admin": "coordinator"}.get(who, who)


@pytest.mark.parametrize("who", ["other_member", "other_coordinator"])
def test_outsiders_get_404_and_nothing_is_written(talk, login, db, client, who):
    referral_id = talk["referral"].id
    browser = login(talk["users"][who])
    assert _post(browser, referral_id).status_code == 404
    assert browser.get(f"/referrals/{referral_id}/messages").status_code == 404
    headers = bearer(db, talk["users"][who])
    url = f"/api/v1/referrals/{referral_id}/messages"
    assert client.get(url, headers=headers).status_code == 404
    posted = client.post(
        f"/api/v1/referrals/{referral_id}/messages", json={"body": "hello"}, headers=headers
    )
    assert posted.status_code == 404
    assert db.session.scalar(select(Message.id)) is None
    with pytest.raises(Exception) as refused:
        referral_thread(talk["users"][who], referral_id)
    assert getattr(refused.value, "status", None) == 404


def test_a_message_tells_the_other_side_with_a_minimum_necessary_email(
    talk, login, db, smtp_server
):
    browser = login(talk["users"]["receiver"])
    response = _post(browser, talk["referral"].id, body="Please send the ECG of Wilhelmina")
    assert response.status_code == 303
    deliver_pending()
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == talk["users"]["sender"].id
    assert note.kind == "message"
    assert note.message == f"Heart Clinic wrote a new message on referral #{talk['referral'].id}"
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert [r.to for r in rows] == [talk["users"]["sender"].email]
    assert [m["To"] for m in smtp_server] == [talk["users"]["sender"].email]
    text = smtp_server[0].get_payload(decode=True).decode() + smtp_server[0]["Subject"]
    assert f"new message on referral #{talk['referral'].id}" in text
    assert f"/referrals/{talk['referral'].id}#messages" in text
    for secret in ("Wilhelmina", "Quartz", "1980", "SECRET-REASON", "ECG"):
        assert secret not in text


def test_a_coordinator_message_tells_both_sides(talk, db):
    coordinator = talk["users"]["coordinator"]
    thread = referral_thread(coordinator, talk["referral"].id)
    post_message(coordinator, thread, "Both of you: please talk to each other.")
    db.session.commit()
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert told == {talk["users"]["sender"].id, talk["users"]["receiver"].id}


def _signed_in(app, user):
    """A browser of its own (the `login` fixture's client is one browser)."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_unread_badge_in_the_lists_and_marked_read_when_viewed(talk, login, db, app):
    referral_id = talk["referral"].id
    receiver = talk["users"]["receiver"]
    for body in ("First question", "Second question"):
        post_message(receiver, referral_thread(receiver, referral_id), body)
    db.session.commit()
    browser = login(talk["users"]["sender"])
    outbox = browser.get("/referrals/?box=outbox").get_data(as_text=True)
    assert 'aria-label="2 unread messages"' in outbox
    # The receiver wrote them: nothing is unread for the receiver.
    assert browser.get(f"/referrals/{referral_id}").status_code == 200
    outbox = browser.get("/referrals/?box=outbox").get_data(as_text=True)
    assert "unread message" not in outbox
    coordinator = _signed_in(app, talk["users"]["coordinator"])
    network_list = coordinator.get("/referrals/").get_data(as_text=True)
    assert 'aria-label="2 unread messages"' in network_list


def test_the_own_messages_are_never_unread(talk, login, db):
    receiver = talk["users"]["receiver"]
    post_message(receiver, referral_thread(receiver, talk["referral"].id), "Mine")
    db.session.commit()
    inbox = login(receiver).get("/referrals/?box=inbox").get_data(as_text=True)
    assert "unread message" not in inbox


def test_attachments_are_stored_shown_and_downloaded_with_access_checks(talk, login, db, app):
    referral_id = talk["referral"].id
    browser = login(talk["users"]["sender"])
    response = _post(
        browser, referral_id, body="The ECG", attachments=[(io.BytesIO(PDF), "ecg.pdf")]
    )
    assert response.status_code == 303
    document = db.session.scalars(select(Document)).one()
    message = db.session.scalars(select(Message)).one()
    assert (document.message_id, document.referral_id) == (message.id, referral_id)
    url = f"/referrals/{referral_id}/documents/{document.id}"
    assert url in browser.get(f"/referrals/{referral_id}").get_data(as_text=True)
    download = _signed_in(app, talk["users"]["receiver"]).get(url)
    assert download.data == PDF
    download.close()
    assert _signed_in(app, talk["users"]["other_member"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"MZ\x90\x00 an executable", "scan.pdf", "is not a PDF, PNG or JPEG file"),
        (b"", "empty.pdf", "is empty"),
    ],
)
def test_attachments_are_refused_as_on_the_send_form(talk, login, db, payload, name, message):
    browser = login(talk["users"]["sender"])
    response = _post(
        browser, talk["referral"].id, body="See attached", attachments=[(io.BytesIO(payload), name)]
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Message.id)) is None
    assert db.session.scalar(select(Document.id)) is None


def test_a_too_large_attachment_is_refused(talk, login, db, app):
    app.config["DOCUMENT_MAX_BYTES"], old = 64, app.config["DOCUMENT_MAX_BYTES"]
    try:
        browser = login(talk["users"]["sender"])
        response = _post(
            browser,
            talk["referral"].id,
            body="See attached",
            attachments=[(io.BytesIO(PDF + b"x" * 100), "big.pdf")],
        )
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = old
    assert response.status_code == 422
    assert "is larger than" in response.get_data(as_text=True)
    assert db.session.scalar(select(Message.id)) is None


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "bad \x00 char"])
def test_a_bad_body_is_refused_with_a_message(talk, login, db, body):
    response = _post(login(talk["users"]["sender"]), talk["referral"].id, body=body)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(Message.id)) is None


def test_posting_the_same_form_twice_posts_once(talk, login, db):
    browser = login(talk["users"]["sender"])
    token = "a-one-time-token-0123456789"
    assert _post(browser, talk["referral"].id, post_token=token).status_code == 303
    assert _post(browser, talk["referral"].id, post_token=token).status_code == 303
    assert len(db.session.scalars(select(Message)).all()) == 1


def test_reading_through_the_service_is_audited(talk, db):
    sender = talk["users"]["sender"]
    read_thread(sender, referral_thread(sender, talk["referral"].id))
    db.session.commit()
    row = db.session.scalars(select(AuditLog).where(AuditLog.entity == "thread")).one()
    assert (row.user_id, row.entity_id) == (sender.id, talk["referral"].id)


def test_api_posts_and_reads_the_thread(talk, client, db):
    referral_id = talk["referral"].id
    url = f"/api/v1/referrals/{referral_id}/messages"
    receiver = bearer(db, talk["users"]["receiver"])
    posted = client.post(url, json={"body": "Line one\nLine two"}, headers=receiver)
    assert posted.status_code == 201, posted.get_json()
    message = posted.get_json()
    assert message["body"] == "Line one\nLine two"
    assert message["side"] == "receiver"
    assert (message["member_id"], message["member_name"]) == (talk["cardio"].id, "Heart Clinic")
    assert message["author_name"] == "Dr Heart" and message["attachments"] == []
    assert posted.headers["Location"].endswith(url)
    sender = bearer(db, talk["users"]["sender"])
    first = client.get(url, headers=sender).get_json()
    assert first["unread"] == 1
    assert [m["id"] for m in first["items"]] == [message["id"]]
    assert client.get(url, headers=sender).get_json()["unread"] == 0
    reads = db.session.scalars(select(AuditLog).where(AuditLog.entity == "thread")).all()
    assert len(reads) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "body"), ({"body": ""}, "body"), ({"body": 5}, "body"), ({"body": "x" * 5001}, "body")],
)
def test_api_refuses_a_bad_message_with_422(talk, client, db, body, field):
    url = f"/api/v1/referrals/{talk['referral'].id}/messages"
    answer = client.post(url, json=body, headers=bearer(db, talk["users"]["sender"]))
    assert answer.status_code == 422
    assert field in answer.get_json()["fields"]
    assert db.session.scalar(select(Message.id)) is None


def test_api_idempotency_key_posts_once(talk, client, db):
    url = f"/api/v1/referrals/{talk['referral'].id}/messages"
    headers = {**bearer(db, talk["users"]["sender"]), "Idempotency-Key": "msg-1"}
    first = client.post(url, json={"body": "Once"}, headers=headers)
    again = client.post(url, json={"body": "Once"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(db.session.scalars(select(Message)).all()) == 1
