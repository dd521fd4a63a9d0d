"""Advice before referral: ask a member or a specialty's pool, answer in the thread, close or
convert into a referral (through send_referral) carrying the question, answers and documents."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.advice.service import ADVICE_ANSWER_DAYS, NewAdvice, ask_advice, convert_advice
from app.models import (
    AdviceRequest,
    AdviceStatus,
    AuditLog,
    Document,
    Message,
    Notification,
    OutboxMessage,
    Referral,
    Role,
)
from app.referrals.clients import ClientInput
from app.threads.places import advice_thread
from app.threads.service import post_message
from tests.conftest import PASSWORD
from tests.test_api import bearer

PDF = b"%PDF-1.4 the ECG"


@pytest.fixture
def clinic(make, db):
    network = make.network(name="Advice Network", kind="clinical")
    elsewhere = make.network(name="Far Away", kind="clinical")
    gp = make.member(network, name="Hill GP")
    cardio = make.member(network, name="Heart Clinic", specialties=["Cardiology"])
    cardio2 = make.member(network, name="Second Heart", specialties=["Cardiology"])
    derm = make.member(network, name="Skin Clinic", specialties=["Dermatology"])
    users = {
        "asker": make.practitioner(gp, name="Dr Hill"),
        "adviser": make.practitioner(cardio, name="Dr Heart"),
        "pool2": make.practitioner(cardio2, name="Dr Second"),
        "outsider": make.practitioner(derm, name="Dr Skin"),
        "coordinator": make.user(Role.COORDINATOR, networks=[network]),
        "other_coordinator": make.user(Role.COORDINATOR, networks=[elsewhere]),
    }
    return {"users": users, "gp": gp, "cardio": cardio, "cardio2": cardio2, "derm": derm}


def _client():
    return ClientInput(
        given_name="Wilhelmina", family_name="Quartz", birth_date="1970-02-03", consent=True
    )


def _ask(clinic, db, **kw):
    fields = {
        "kind": "clinical",
        "subject": "Cardiology opinion",
        "question": "Is this ECG worth a referral?",
        "client": _client(),
        **kw,
    }
    if "specialty" not in kw:
        fields.setdefault("asked_member_id", clinic["cardio"].id)
    advice = ask_advice(clinic["users"]["asker"], NewAdvice(**fields))
    db.session.commit()
    return advice


def _signed_in(app, user):
    browser = app.test_client()
    signed = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert signed.status_code == 302
    return browser


def test_ask_answer_convert_makes_a_referral_with_question_answers_and_documents(clinic, db, app):
    asker = _signed_in(app, clinic["users"]["asker"])
    response = asker.post(
        "/advice/new",
        data={
            "asker_id": str(clinic["gp"].id),
            "asked_member_id": str(clinic["cardio"].id),
            "kind": "clinical",
            "subject": "Cardiology opinion",
            "question": "Is this ECG worth a referral?",
            "given_name": "Wilhelmina",
            "family_name": "Quartz",
            "birth_date": "1970-02-03",
            "consent": "y",
            "documents": [(io.BytesIO(PDF), "ecg.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    advice = db.session.scalars(select(AdviceRequest)).one()
    assert advice.status == AdviceStatus.OPEN
    assert (advice.answer_due_at - advice.asked_at).days == ADVICE_ANSWER_DAYS
    told = db.session.scalars(select(Notification)).one()
    assert (told.user_id, told.advice_request_id) == (clinic["users"]["adviser"].id, advice.id)

    adviser = _signed_in(app, clinic["users"]["adviser"])
    page = adviser.get(f"/advice/{advice.id}").get_data(as_text=True)
    assert "Is this ECG worth a referral?" in page and "ecg.pdf" in page
    answered = adviser.post(
        f"/advice/{advice.id}/messages", data={"body": "Yes: refer for an echo."}
    )
    assert answered.status_code == 303
    db.session.expire_all()
    advice = db.session.get(AdviceRequest, advice.id)
    assert advice.status == AdviceStatus.ANSWERED
    assert advice.answered_by_id == clinic["cardio"].id

    converted = asker.post(
        f"/advice/{advice.id}/convert", data={"version": str(advice.version), "priority": "urgent"}
    )
    assert converted.status_code == 302, converted.get_data(as_text=True)
    db.session.expire_all()
    referral = db.session.scalars(select(Referral)).one()
    advice = db.session.get(AdviceRequest, advice.id)
    assert converted.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert (advice.status, advice.referral_id) == (AdviceStatus.CONVERTED, referral.id)
    assert (referral.sender_id, referral.receiver_id) == (clinic["gp"].id, clinic["cardio"].id)
    assert referral.client_id == advice.client_id
    assert referral.reason == "Is this ECG worth a referral?"
    assert referral.service == "Cardiology opinion"
    assert referral.priority.value == "urgent"
    assert "Yes: refer for an echo." in referral.notes
    document = db.session.scalars(select(Document)).one()
    assert document.referral_id == referral.id
    page = adviser.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "ecg.pdf" in page and f"/advice/{advice.id}" in page
    # No second referral from the same request.
    again = asker.post(f"/advice/{advice.id}/convert", data={"version": str(advice.version)})
    assert again.status_code == 422
    assert len(db.session.scalars(select(Referral)).all()) == 1


def test_close_ends_the_conversation(clinic, db, app):
    advice = _ask(clinic, db)
    asker = _signed_in(app, clinic["users"]["asker"])
    closed = asker.post(f"/advice/{advice.id}/close", data={"version": str(advice.version)})
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(AdviceRequest, advice.id).status == AdviceStatus.CLOSED
    adviser = _signed_in(app, clinic["users"]["adviser"])
    late = adviser.post(f"/advice/{advice.id}/messages", data={"body": "Too late?"})
    assert late.status_code == 422
    assert db.session.scalar(select(Message.id)) is None


def test_the_adviser_can_neither_close_nor_convert(clinic, db, app):
    advice = _ask(clinic, db)
    adviser = _signed_in(app, clinic["users"]["adviser"])
    data = {"version": str(advice.version)}
    assert adviser.post(f"/advice/{advice.id}/close", data=data).status_code == 403
    assert adviser.post(f"/advice/{advice.id}/convert", data=data).status_code == 403


def test_a_stale_version_is_refused(clinic, db, app):
    advice = _ask(clinic, db)
    asker = _signed_in(app, clinic["users"]["asker"])
    stale = asker.post(f"/advice/{advice.id}/close", data={"version": str(advice.version + 7)})
    assert stale.status_code == 409


def test_a_pool_request_is_seen_and_answered_by_any_pool_member(clinic, db, app):
    advice = _ask(clinic, db, specialty="cardiology")
    assert advice.specialty == "cardiology" and advice.asked_member_id is None
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert told == {clinic["users"]["adviser"].id, clinic["users"]["pool2"].id}
    second = _signed_in(app, clinic["users"]["pool2"])
    pool = second.get("/advice/?box=pool").get_data(as_text=True)
    assert f"#{advice.id}" in pool
    answer = second.post(f"/advice/{advice.id}/messages", data={"body": "I can help."})
    assert answer.status_code == 303
    db.session.expire_all()
    advice = db.session.get(AdviceRequest, advice.id)
    assert advice.answered_by_id == clinic["cardio2"].id
    referral = convert_advice(clinic["users"]["asker"], advice.id)
    db.session.commit()
    assert referral.receiver_id == clinic["cardio2"].id


def test_an_unanswered_pool_request_cannot_be_converted(clinic, db):
    advice = _ask(clinic, db, specialty="Cardiology")
    with pytest.raises(Exception) as refused:
        convert_advice(clinic["users"]["asker"], advice.id)
    assert getattr(refused.value, "status", None) == 422


@pytest.mark.parametrize("who", ["outsider", "other_coordinator"])
def test_outsiders_get_404_everywhere(clinic, db, app, client, who):
    advice = _ask(clinic, db)
    browser = _signed_in(app, clinic["users"][who])
    assert browser.get(f"/advice/{advice.id}").status_code == 404
    assert browser.post(f"/advice/{advice.id}/messages", data={"body": "hi"}).status_code == 404
    assert browser.post(f"/advice/{advice.id}/close", data={"version": "1"}).status_code == 404
    assert browser.post(f"/advice/{advice.id}/convert", data={"version": "1"}).status_code == 404
    assert f"#{advice.id}" not in browser.get("/advice/").get_data(as_text=True)
    headers = bearer(db, clinic["users"][who])
    for url in (f"/api/v1/advice/{advice.id}", f"/api/v1/advice/{advice.id}/messages"):
        assert client.get(url, headers=headers).status_code == 404
    db.session.expire_all()
    assert db.session.get(AdviceRequest, advice.id).status == AdviceStatus.OPEN


def test_the_coordinator_reads_and_every_read_is_audited(clinic, db, app):
    advice = _ask(clinic, db)
    coordinator = _signed_in(app, clinic["users"]["coordinator"])
    assert coordinator.get(f"/advice/{advice.id}").status_code == 200
    assert f"#{advice.id}" in coordinator.get("/advice/").get_data(as_text=True)
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.user_id == clinic["users"]["coordinator"].id)
    ).all()
    assert {(r.action, r.entity) for r in rows} - {("sign-in", "user")} == {
        ("view", "advice_request"),
        ("read", "thread"),
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"asked_member_id": None}, "asked_member_id"),  # neither a member nor a pool
        ({"specialty": "Cardiology"}, "asked_member_id"),  # both
        ({"specialty": "Astrology", "asked_member_id": None}, "specialty"),
        ({"question": ""}, "question"),
        ({"subject": ""}, "subject"),
        ({"client": ClientInput(given_name="A", family_name="B")}, "client.consent"),
    ],
)
def test_bad_questions_are_refused_naming_the_field(clinic, db, change, field):
    fields = {
        "kind": "clinical",
        "subject": "Opinion",
        "question": "What now?",
        "client": _client(),
        "asked_member_id": clinic["cardio"].id,
        **change,
    }
    with pytest.raises(Exception) as refused:
        ask_advice(clinic["users"]["asker"], NewAdvice(**fields))
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(AdviceRequest.id)) is None


def test_a_message_on_advice_mails_the_other_side_without_details(clinic, db):
    advice = _ask(clinic, db)
    db.session.execute(OutboxMessage.__table__.delete())
    adviser = clinic["users"]["adviser"]
    post_message(adviser, advice_thread(adviser, advice.id), "Echo first, Wilhelmina")
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to == clinic["users"]["asker"].email
    assert f"new message on advice request #{advice.id}" in mail.subject
    for secret in ("Wilhelmina", "Quartz", "ECG", "Echo"):
        assert secret not in mail.subject + mail.body


def test_lists_count_open_requests_and_show_unread(clinic, db, app):
    advice = _ask(clinic, db)
    _ask(clinic, db, question="Another one?")
    adviser = clinic["users"]["adviser"]
    post_message(adviser, advice_thread(adviser, advice.id), "An answer")
    db.session.commit()
    asker = _signed_in(app, clinic["users"]["asker"])
    html = asker.get("/advice/?box=asked").get_data(as_text=True)
    assert 'aria-label="2 open"' in html
    assert 'aria-label="1 unread message"' in html
    asker.get(f"/advice/{advice.id}")
    assert "unread message" not in asker.get("/advice/?box=asked").get_data(as_text=True)
    received = _signed_in(app, adviser).get("/advice/?box=received").get_data(as_text=True)
    assert f"#{advice.id}" in received


def test_api_ask_answer_convert(clinic, db, client):
    asker = bearer(db, clinic["users"]["asker"])
    asked = client.post(
        "/api/v1/advice",
        json={
            "kind": "clinical",
            "subject": "Cardiology opinion",
            "question": "Worth a referral?",
            "asked_member_id": clinic["cardio"].id,
            "client": {
                "given_name": "Wilhelmina",
                "family_name": "Quartz",
                "birth_date": "1970-02-03",
                "consent": True,
            },
        },
        headers=asker,
    )
    assert asked.status_code == 201, asked.get_json()
    advice = asked.get_json()
    assert advice["status"] == "open" and advice["allowed_actions"] == ["close", "convert"]
    assert advice["client"]["family_name"] == "Quartz"
    assert asked.headers["Location"].endswith(f"/api/v1/advice/{advice['id']}")
    adviser = bearer(db, clinic["users"]["adviser"])
    url = f"/api/v1/advice/{advice['id']}"
    assert client.get(url, headers=adviser).get_json()["allowed_actions"] == []
    posted = client.post(f"{url}/messages", json={"body": "Refer for an echo."}, headers=adviser)
    assert posted.status_code == 201 and posted.get_json()["side"] == "adviser"
    thread = client.get(f"{url}/messages", headers=asker).get_json()
    assert [m["body"] for m in thread["items"]] == ["Refer for an echo."]
    assert thread["unread"] == 1
    listed = client.get("/api/v1/advice?box=asked", headers=asker).get_json()
    assert [a["id"] for a in listed["items"]] == [advice["id"]]
    assert listed["counts"] == {"asked": 1, "received": 0, "pool": 0}
    assert "question" not in listed["items"][0]
    current = client.get(url, headers=asker).get_json()
    assert current["status"] == "answered"
    stale = client.post(f"{url}/actions/convert", json={"version": 99}, headers=asker)
    assert stale.status_code == 409
    refused = client.post(f"{url}/actions/convert", json={}, headers=adviser)
    assert refused.status_code == 403
    done = client.post(
        f"{url}/actions/convert", json={"version": current["version"]}, headers=asker
    )
    assert done.status_code == 200, done.get_json()
    converted = done.get_json()
    assert converted["status"] == "converted" and converted["referral_id"]
    referral = client.get(f"/api/v1/referrals/{converted['referral_id']}", headers=adviser)
    assert referral.status_code == 200
    assert referral.get_json()["reason"] == "Worth a referral?"
    assert "Refer for an echo." in referral.get_json()["notes"]
    unknown = client.post(f"{url}/actions/reopen", json={}, headers=asker)
    assert unknown.status_code == 404


def test_api_close_and_refusals(clinic, db, client):
    advice = _ask(clinic, db)
    url = f"/api/v1/advice/{advice.id}"
    coordinator = bearer(db, clinic["users"]["coordinator"])
    closed = client.post(
        f"{url}/actions/close", json={"version": advice.version}, headers=coordinator
    )
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    late = client.post(f"{url}/messages", json={"body": "More?"}, headers=coordinator)
    assert late.status_code == 422
    bad = client.post(
        "/api/v1/advice",
        json={"kind": "clinical", "subject": "x", "question": "Why?", "specialty": "Astrology"},
        headers=bearer(db, clinic["users"]["asker"]),
    )
    assert bad.status_code == 422 and "specialty" in bad.get_json()["fields"]
    refused = client.post(
        "/api/v1/advice",
        json={"kind": "clinical", "subject": "x", "question": "Why?"},
        headers=coordinator,
    )
    assert refused.status_code == 403


def test_a_follow_up_on_an_untaken_pool_request_reaches_the_whole_pool(clinic, db):
    advice = _ask(clinic, db, specialty="Cardiology")
    db.session.execute(Notification.__table__.delete())
    asker = clinic["users"]["asker"]
    post_message(asker, advice_thread(asker, advice.id), "Any cardiologist?")
    db.session.commit()
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert told == {clinic["users"]["adviser"].id, clinic["users"]["pool2"].id}
