"""Issue 9, the workflow's side: forwards shown as forwards, reschedule, early visits, dead
ends, double submits and the last admin."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Notification, Referral, Status, utcnow
from tests.test_api import API, act, make_net, send
from tests.test_referral_pages import send_form_data


@pytest.fixture
def net(make, db) -> dict:
    return make_net(make, db)


def _forwarded(client, net, make):
    other = make.member(net["network"], name="Station Road Cardio")
    referral = send(client, net)
    response = act(client, net["b"], referral, "forward", receiver_id=other.id)
    assert response.status_code == 200, response.get_json()
    return referral["id"], response.get_json(), other


def test_a_forward_reads_as_a_forward_in_the_api(client, net, make, db):
    original_id, answer, _other = _forwarded(client, net, make)
    assert answer["status"] == "declined"  # the table's status is kept
    copy_id = answer["forwarded_to_id"]
    assert copy_id and copy_id != original_id
    assert (answer["display_status"], answer["status_label"]) == ("forwarded", "Forwarded")
    seen = client.get(f"{API}/referrals/{original_id}", headers=net["a"]).get_json()
    assert seen["forwarded_to_id"] == copy_id and seen["display_status"] == "forwarded"
    copy = client.get(f"{API}/referrals/{copy_id}", headers=net["a"]).get_json()
    assert copy["forwarded_from_id"] == original_id and copy["forwarded_to_id"] is None
    assert copy["display_status"] == "sent"
    outbox = client.get(f"{API}/referrals?box=outbox", headers=net["a"]).get_json()["items"]
    by_id = {r["id"]: r for r in outbox}
    assert by_id[original_id]["display_status"] == "forwarded"
    assert by_id[original_id]["forwarded_to_id"] == copy_id


def test_a_forward_reads_as_a_forward_on_the_pages_and_in_the_notification(
    client, net, make, db, login
):
    original_id, answer, _other = _forwarded(client, net, make)
    copy_id = answer["forwarded_to_id"]
    note = (
        db.session.query(Notification)
        .filter_by(user_id=net["gp_user"].id, referral_id=original_id)
        .one()
    )
    assert note.message == (
        f"Heart Clinic forwarded referral #{original_id} to Station Road Cardio "
        f"as referral #{copy_id}"
    )
    gp = login(net["gp_user"])
    page = gp.get(f"/referrals/{original_id}").get_data(as_text=True)
    assert "Forwarded to Station Road Cardio" in page
    assert f'href="/referrals/{copy_id}">#{copy_id}</a>' in page
    assert "Reason given" not in page and ">Declined<" not in page
    assert "status-forwarded" in page
    outbox = gp.get("/referrals/?box=outbox").get_data(as_text=True)
    assert ">Forwarded<" in outbox and f'href="/referrals/{copy_id}"' in outbox
    copy_page = gp.get(f"/referrals/{copy_id}").get_data(as_text=True)
    assert f'forwarded by Heart Clinic from <a href="/referrals/{original_id}">' in copy_page
    assert "<strong>Forwarded by Dr Heart</strong>" in copy_page  # as "Sent by …" reads
    event = db.session.get(Referral, copy_id).events[0]
    assert event.note == (
        f"Forwarded by Dr Heart of Heart Clinic from referral #{original_id} to Station Road Cardio"
    )  # the new receiver, not the old one (found by the tester)
    assert db.session.get(Referral, original_id).status == Status.DECLINED


def test_reschedule_moves_the_appointment_and_tells_the_sender(client, net, make, db, login):
    referral = make.referral(net["gp"], net["cardio"], Status.SCHEDULED)
    first = referral.appointment_at
    seen = client.get(f"{API}/referrals/{referral.id}", headers=net["b"]).get_json()
    assert "reschedule" in seen["allowed_actions"]
    new_time = (utcnow() + timedelta(days=30)).replace(hour=9, minute=30, second=0, microsecond=0)
    body = {"version": seen["version"], "appointment_at": new_time.isoformat()}
    url = f"{API}/referrals/{referral.id}/actions/reschedule"
    response = client.post(url, json=body, headers=net["b"])
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["status"] == "scheduled" and moved["version"] == seen["version"] + 1
    assert moved["appointment_at"] == new_time.isoformat()
    assert moved["events"][-1]["action"] == "reschedule"
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).appointment_at != first
    note = db.session.query(Notification).filter_by(user_id=net["gp_user"].id).one()
    assert note.kind == "reschedule" and "moved the appointment" in note.message
    assert f"{new_time:%d %b %Y}" in note.message
    # The same time again is not a move; the sender cannot move it.
    again = client.post(url, json={**body, "version": moved["version"]}, headers=net["b"])
    assert again.status_code == 422 and "appointment_at" in again.get_json()["fields"]
    by_sender = client.post(url, json={**body, "version": moved["version"]}, headers=net["a"])
    assert by_sender.status_code == 403
    # The page offers it to the receiver.
    page = login(net["cardio_user"]).get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f'action="/referrals/{referral.id}/actions/reschedule"' in page
    assert "Move the appointment" in page


def test_reschedule_is_in_the_openapi_enum(client, db):
    document = client.get(f"{API}/openapi.json").get_json()
    text = str(document)
    assert "'reschedule'" in text


def test_a_visit_before_its_appointment_asks_for_confirmation(client, net, make, db, login):
    referral = make.referral(net["gp"], net["cardio"], Status.SCHEDULED)  # appointment in 2 days
    url = f"{API}/referrals/{referral.id}/actions/record-visit"
    today = utcnow().date().isoformat()
    body = {"version": 1, "visit_date": today}
    response = client.post(url, json=body, headers=net["b"])
    assert response.status_code == 422
    assert list(response.get_json()["fields"]) == ["confirm_early_visit"]
    assert "before the appointment" in response.get_json()["fields"]["confirm_early_visit"]
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == Status.SCHEDULED

    # The page asks with a checkbox next to the date, and records it once confirmed.
    cardio = login(net["cardio_user"])
    page = cardio.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "confirm_early_visit" not in page  # not asked before it is needed
    page_url = f"/referrals/{referral.id}/actions/record-visit"
    refused = cardio.post(page_url, data={"version": "1", "visit_date": today})
    assert refused.status_code == 422
    assert 'name="confirm_early_visit"' in refused.get_data(as_text=True)
    done = cardio.post(
        page_url, data={"version": "1", "visit_date": today, "confirm_early_visit": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == Status.VISITED


def test_a_confirmed_early_visit_through_the_api(client, net, make, db):
    referral = make.referral(net["gp"], net["cardio"], Status.SCHEDULED)
    url = f"{API}/referrals/{referral.id}/actions/record-visit"
    body = {"version": 1, "visit_date": utcnow().date().isoformat(), "confirm_early_visit": True}
    response = client.post(url, json=body, headers=net["b"])
    assert response.status_code == 200 and response.get_json()["status"] == "visited"


def test_reloading_a_failed_action_leads_back_to_the_referral(net, make, login, db):
    referral = make.referral(net["gp"], net["cardio"], Status.ACCEPTED)
    cardio = login(net["cardio_user"])
    refused = cardio.post(f"/referrals/{referral.id}/actions/schedule", data={"version": "1"})
    assert refused.status_code == 422
    again = cardio.get(f"/referrals/{referral.id}/actions/schedule")
    assert again.status_code == 302
    assert again.headers["Location"] == f"/referrals/{referral.id}?open=schedule"
    assert cardio.get(f"/referrals/{referral.id}/actions/nonsense").headers["Location"] == (
        f"/referrals/{referral.id}"
    )


def test_a_bad_date_filter_keeps_the_outbox_with_the_error_at_the_field(net, make, login, db):
    sent = make.referral(net["gp"], net["cardio"])
    received = make.referral(net["cardio"], net["gp"])
    gp = login(net["gp_user"])
    response = gp.get("/referrals/?box=outbox&sent_from=notadate")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'aria-current="page">Sent by me' in page.replace("\n", "")
    assert f"#{sent.id}<" in page and f"#{received.id}<" not in page
    assert 'value="notadate"' in page and 'id="sent_from-error"' in page
    assert 'name="box" value="outbox"' in page


def test_the_last_admin_cannot_give_up_admin_rights(make, login, db):
    from app.models import Role, User
    from app.users.service import UserError, update_user

    network = make.network()
    admin = make.user(Role.ADMIN, name="Only Admin")
    client = login(admin)
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"email": admin.email, "name": "Only Admin", "role": "coordinator",
              "network_ids": [network.id]},
    )  # fmt: skip
    assert response.status_code == 400  # the form shown again, as for any refused field
    assert "You are the last active admin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN
    with pytest.raises(UserError) as refused:
        update_user(None, admin, name="x", role="coordinator", member_ids=[],
                    network_ids=[network.id])  # fmt: skip
    assert refused.value.field == "role"
    db.session.rollback()
    # With another active admin, one of them may step down.
    make.user(Role.ADMIN)
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"email": admin.email, "name": "Only Admin", "role": "coordinator",
              "network_ids": [network.id]},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.COORDINATOR


def _form_data(net, token, **overrides):
    return send_form_data(net["cardio"], send_token=token, **overrides)


def test_the_send_form_posted_twice_makes_one_referral_and_one_client(net, login, db):
    import re

    from app.models import Client

    gp = login(net["gp_user"])
    page = gp.get("/referrals/new").get_data(as_text=True)
    token = re.search(r'name="send_token"[^>]*value="([^"]+)"', page).group(1)
    first = gp.post("/referrals/new", data=_form_data(net, token))
    assert first.status_code == 302
    referral = db.session.query(Referral).one()
    second = gp.post("/referrals/new", data=_form_data(net, token))
    assert second.status_code == 302 and second.headers["Location"] == f"/referrals/{referral.id}"
    assert db.session.query(Referral).count() == 1 and db.session.query(Client).count() == 1
    shown = gp.get(second.headers["Location"]).get_data(as_text=True)
    assert f"This form was already sent: it is referral #{referral.id}." in shown
    # A new form is a new referral (here a possible duplicate, for the same client).
    other = re.search(
        r'name="send_token"[^>]*value="([^"]+)"', gp.get("/referrals/new").get_data(as_text=True)
    ).group(1)
    assert other != token
    again = gp.post(
        "/referrals/new", data=_form_data(net, other, client_id=str(referral.client_id))
    )
    assert again.status_code == 422 and "already has an open referral" in again.get_data(
        as_text=True
    )


def test_a_refused_form_keeps_its_token_and_sends_once_corrected(net, login, db):
    gp = login(net["gp_user"])
    token = "t" * 32
    refused = gp.post("/referrals/new", data=_form_data(net, token, reason=""))
    assert refused.status_code == 422 and f'value="{token}"' in refused.get_data(as_text=True)
    assert gp.post("/referrals/new", data=_form_data(net, token)).status_code == 302
    assert db.session.query(Referral).count() == 1


def test_idempotency_key_replays_the_first_answer(client, net, db):
    from tests.test_api import new_referral

    headers = {**net["a"], "Idempotency-Key": "send-ada-1"}
    first = client.post(f"{API}/referrals", json=new_referral(net), headers=headers)
    assert first.status_code == 201
    second = client.post(f"{API}/referrals", json=new_referral(net), headers=headers)
    assert second.status_code == 201 and second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(Referral).count() == 1
    # The same key for another body is refused; another user's same key is theirs.
    other = client.post(
        f"{API}/referrals", json=new_referral(net, reason="Something else"), headers=headers
    )
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.get_json()["fields"]
    # An action too: answered once, with the first answer.
    referral = first.get_json()
    url = f"{API}/referrals/{referral['id']}/actions/accept"
    key = {**net["b"], "Idempotency-Key": "accept-1"}
    accepted = client.post(url, json={"version": 1}, headers=key)
    replay = client.post(url, json={"version": 1}, headers=key)
    assert accepted.status_code == replay.status_code == 200
    assert replay.get_json() == accepted.get_json() and replay.get_json()["version"] == 2
    assert client.post(url, json={"version": 1}, headers=net["b"]).status_code == 409
    bad = client.post(url, json={"version": 1}, headers={**net["b"], "Idempotency-Key": "é"})
    assert bad.status_code == 400


def test_a_refused_request_is_not_stored_under_its_key(client, net, db):
    from tests.test_api import new_referral

    headers = {**net["a"], "Idempotency-Key": "k-2"}
    body = new_referral(net, reason="")
    assert client.post(f"{API}/referrals", json=body, headers=headers).status_code == 422
    assert client.post(f"{API}/referrals", json=body, headers=headers).status_code == 422
    good = client.post(f"{API}/referrals", json=new_referral(net), headers=headers)
    assert good.status_code == 201  # nothing was stored for the refused body


def test_lists_count_and_filter_forwarded_apart_from_declined(client, net, make, db, login):
    original_id, answer, _other = _forwarded(client, net, make)
    declined = make.referral(net["gp"], net["cardio"], Status.DECLINED)
    gp = login(net["gp_user"])
    page = gp.get("/referrals/?box=outbox").get_data(as_text=True)
    assert '>Declined <span class="count">1</span>' in page
    assert '>Forwarded <span class="count">1</span>' in page
    forwarded_page = gp.get("/referrals/?box=outbox&status=forwarded").get_data(as_text=True)
    assert f"#{original_id}<" in forwarded_page and f"#{declined.id}<" not in forwarded_page
    declined_page = gp.get("/referrals/?box=outbox&status=declined").get_data(as_text=True)
    assert f"#{declined.id}<" in declined_page and f"#{original_id}<" not in declined_page

    def ids(query):
        response = client.get(f"{API}/referrals?box=outbox&{query}", headers=net["a"])
        assert response.status_code == 200, response.get_json()
        return {r["id"] for r in response.get_json()["items"]}

    assert ids("status=forwarded") == {original_id}
    assert ids("status=declined") == {declined.id}
    assert ids("status=declined,forwarded") == {original_id, declined.id}
    assert ids("status=forwarded,sent") == {original_id, answer["forwarded_to_id"]}


def test_filtering_again_keeps_every_status_chosen(net, make, login, db):
    """The dashboard's 'open' card lists several statuses; the filter form keeps them all."""
    make.referral(net["gp"], net["cardio"], Status.SENT)
    gp = login(net["gp_user"])
    page = gp.get("/referrals/?box=outbox&status=sent,accepted,forwarded").get_data(as_text=True)
    assert 'name="status" value="sent,accepted,forwarded"' in page


def test_an_unknown_status_names_forwarded_among_the_known_ones(client, net, db):
    response = client.get(f"{API}/referrals?status=open", headers=net["a"])
    assert response.status_code == 422
    assert "forwarded" in response.get_json()["fields"]["status"]
