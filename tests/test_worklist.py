"""The coordinators' worklist: who sees which rows, its filters, its CSV, and its actions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.followup import actions
from app.followup.engine import tick
from app.followup.overdue import count_overdue, overdue_referrals
from app.models import (
    AuditLog,
    Notification,
    OutboxMessage,
    Priority,
    Referral,
    ReferralEvent,
    Reminder,
    Role,
    Status,
    utcnow,
)
from app.refusals import Forbidden, Invalid, NotFound
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD

DAY = timedelta(days=1)
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def cast(make, db):
    mine = make.network(name="North Network")
    other = make.network(name="South Network")
    gp = make.member(mine, name="Harbour GP", email="gp-desk@example.org")
    cardio = make.member(mine, name="Cardio Clinic", email="cardio-desk@example.org")
    derm = make.member(mine, name="Skin Centre")
    far_a = make.member(other, name="Faraway Practice")
    far_b = make.member(other, name="Faraway Hospital")
    client = make.client(mine, family_name="Quillfeather", given_name="Ysolde")
    old = utcnow() - 30 * DAY
    late = {
        "answer": make.referral(
            gp, cardio, client=client, sent_at=old, reason="MARKER-REASON-9921"
        ),
        "urgent": make.referral(gp, derm, client=client, sent_at=old, priority=Priority.URGENT),
        "visit": make.referral(gp, cardio, status=Status.ACCEPTED, client=client),
    }
    late["visit"].accepted_at = old
    fresh = make.referral(gp, cardio, client=client, sent_at=utcnow() - timedelta(hours=1))
    far_client = make.client(other)
    theirs = make.referral(far_a, far_b, client=far_client, sent_at=old)
    make.session.commit()
    return {
        "mine": mine,
        "other": other,
        "late": late,
        "fresh": fresh,
        "theirs": theirs,
        "coordinator": make.user(Role.COORDINATOR, networks=[mine], email="coord@example.org"),
        "other_coordinator": make.user(Role.COORDINATOR, networks=[other]),
        "admin": make.user(Role.ADMIN),
        "practitioner": make.practitioner(gp),
        "receiver": make.practitioner(cardio, email="cardio.user@example.org"),
    }


def _signed_in(app, user):
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def _ids(html: str, referrals) -> set[int]:
    return {r.id for r in referrals if f"#{r.id}<" in html}


def test_a_coordinator_sees_only_the_overdue_rows_of_their_network(cast, login, app):
    everything = [*cast["late"].values(), cast["fresh"], cast["theirs"]]
    html = login(cast["coordinator"]).get("/worklist/").get_data(as_text=True)
    assert _ids(html, everything) == {r.id for r in cast["late"].values()}
    assert "Waiting for an answer" in html and "Waiting for the visit" in html
    assert "Harbour GP" in html and "Skin Centre" in html and "business days late" in html
    assert "Quillfeather" not in html and "MARKER-REASON" not in html
    # Another network's coordinator: none of these, even when asking for that network.
    other = _signed_in(app, cast["other_coordinator"])
    html = other.get("/worklist/").get_data(as_text=True)
    assert _ids(html, everything) == {cast["theirs"].id}
    assert other.get(f"/worklist/?network={cast['mine'].id}").status_code == 422
    assert other.get(f"/worklist/worklist.csv?network={cast['mine'].id}").status_code == 422


def test_an_admin_sees_every_network(cast, login):
    html = login(cast["admin"]).get("/worklist/").get_data(as_text=True)
    assert cast["theirs"].id in _ids(html, [cast["theirs"]])
    assert "North Network" in html and "South Network" in html


def test_practitioners_are_refused(cast, login):
    client = login(cast["practitioner"])
    assert client.get("/worklist/").status_code == 403
    assert client.get("/worklist/worklist.csv").status_code == 403
    with pytest.raises(Forbidden):
        actions.add_note(cast["practitioner"], cast["late"]["answer"].id, "hello")


def test_filters_sorting_and_wrong_parameters(cast, login):
    client = login(cast["coordinator"])
    late = cast["late"]
    html = client.get("/worklist/?stage=visit").get_data(as_text=True)
    assert _ids(html, late.values()) == {late["visit"].id}
    html = client.get("/worklist/?priority=urgent").get_data(as_text=True)
    assert _ids(html, late.values()) == {late["urgent"].id}
    html = client.get("/worklist/?receiver=skin").get_data(as_text=True)
    assert _ids(html, late.values()) == {late["urgent"].id}
    html = client.get("/worklist/?receiver=nobody-by-that-name").get_data(as_text=True)
    assert _ids(html, late.values()) == set() and "Nothing is overdue with these filters" in html
    for sort in ("late", "recent", "priority", "id"):
        assert client.get(f"/worklist/?sort={sort}").status_code == 200
    for bad in ("sort=name;drop", "stage=lunch", "priority=whenever", "page=0", "network=x"):
        assert client.get(f"/worklist/?{bad}").status_code == 422, bad
    assert client.get("/worklist/?receiver=a%00b").status_code == 422


def test_the_dashboard_counts_link_to_the_worklist_by_stage(cast, login):
    html = login(cast["coordinator"]).get("/dashboard").get_data(as_text=True)
    for stage in ("answer", "visit", "outcome"):
        assert f'href="/worklist/?stage={stage}"' in html
    assert 'href="/worklist/"' in html  # the navigation


def test_the_csv_holds_the_same_rows_and_no_client_data(cast, login):
    response = login(cast["coordinator"]).get("/worklist/worklist.csv?stage=answer")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {int(r["referral_id"]) for r in rows} == {
        cast["late"]["answer"].id,
        cast["late"]["urgent"].id,
    }
    assert list(rows[0]) == [
        "referral_id",
        "network",
        "stage",
        "priority",
        "sender",
        "receiver",
        "deadline",
        "business_days_late",
    ]
    assert {r["network"] for r in rows} == {"North Network"}
    assert all(int(r["business_days_late"]) > 5 for r in rows)
    text = response.get_data(as_text=True)
    assert "Quillfeather" not in text and "Ysolde" not in text and "MARKER-REASON" not in text


def _post(client, path, data):
    token = csrf_token_from(client.get("/worklist/").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_a_note_goes_to_the_timeline_and_the_audit_trail(cast, login, db):
    referral = cast["late"]["answer"]
    client = login(cast["coordinator"])
    response = _post(client, f"/worklist/{referral.id}/note", {"note": "Called the clinic"})
    assert response.status_code == 302
    event = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "followup-note")
    ).one()
    assert (event.referral_id, event.note, event.actor_id) == (
        referral.id,
        "Called the clinic",
        cast["coordinator"].id,
    )
    assert event.from_status == event.to_status == Status.SENT
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == Status.SENT
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "followup-note"))
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Follow-up note by" in page and "Called the clinic" in page
    # An empty note, or a note with a control character, is a clear 422 and writes nothing.
    for bad in ("   ", "bad\x00note"):
        response = _post(client, f"/worklist/{referral.id}/note", {"note": bad})
        assert response.status_code == 422
        assert "The note was not added" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(ReferralEvent.id).where(ReferralEvent.action == "followup-note").offset(1)
        )
        is None
    )


def test_no_action_on_another_networks_referral(cast, login, db):
    theirs = cast["theirs"].id
    client = login(cast["coordinator"])
    for path, data in (
        (f"/worklist/{theirs}/note", {"note": "peek"}),
        (f"/worklist/{theirs}/remind", {}),
        (f"/worklist/{theirs}/snooze", {"until": "2099-01-01"}),
    ):
        assert _post(client, path, data).status_code == 404
    assert (
        db.session.scalar(select(ReferralEvent.id).where(ReferralEvent.action.like("f%"))) is None
    )
    with pytest.raises(NotFound):
        actions.remind_now(cast["coordinator"], theirs)


def test_remind_now_notifies_the_receiver_and_queues_one_tagged_email(cast, login, db):
    referral = cast["late"]["answer"]
    client = login(cast["coordinator"])
    assert _post(client, f"/worklist/{referral.id}/remind", {}).status_code == 302
    note = db.session.scalars(select(Notification).where(Notification.kind == "reminder")).one()
    assert note.user_id == cast["receiver"].id and note.referral_id == referral.id
    event = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "followup-remind")
    ).one()
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to == "cardio.user@example.org"
    assert mail.headers["X-Refnet-Reminder"] == f"{referral.id}:answer-manual:{event.id}"
    for secret in ("Quillfeather", "Ysolde", "MARKER-REASON"):
        assert secret not in mail.body and secret not in mail.subject
    # No reminder key is taken: the engine's own reminders are untouched.
    assert db.session.scalar(select(Reminder.id)) is None
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Reminder sent by" in page
    # Reminding a referral that waits for nobody is refused.
    closed = cast["late"]["visit"]
    closed.status, closed.cancelled_at, closed.status_reason = (
        Status.CANCELLED,
        utcnow(),
        "gone",
    )
    db.session.commit()
    with pytest.raises(Invalid):
        actions.remind_now(cast["coordinator"], closed.id)


def test_snooze_hides_the_row_and_stops_reminders_until_the_date(make, cast, db):
    network, coordinator = cast["mine"], cast["coordinator"]
    gp, cardio = cast["late"]["answer"].sender, cast["late"]["answer"].receiver
    referral = make.referral(gp, cardio, client=cast["late"]["answer"].client, sent_at=MONDAY)
    make.session.commit()
    deadline = MONDAY + 7 * DAY  # routine: 5 business days
    with time_machine.travel(deadline + timedelta(hours=1), tick=False):
        now = utcnow()
        found = [o.referral_id for o in overdue_referrals([network.id], now)]
        assert referral.id in found
        actions.snooze(coordinator, referral.id, (now + 3 * DAY).date().isoformat())
        db.session.commit()
        assert referral.id not in [o.referral_id for o in overdue_referrals([network.id], now)]
        assert sum(count_overdue([network.id], now).values()) == len(found) - 1
        with pytest.raises(Invalid):  # not in the past, nor too far ahead
            actions.snooze(coordinator, referral.id, "2026-01-01")
        with pytest.raises(Invalid):
            actions.snooze(coordinator, referral.id, (now + 400 * DAY).date().isoformat())
    db.session.rollback()

    def keys():
        return [
            (stage, step)
            for stage, step in db.session.execute(
                select(Reminder.stage, Reminder.step).where(Reminder.referral_id == referral.id)
            )
        ]

    tick(deadline + timedelta(hours=2))  # the first tick sweeps everything overdue
    tick(deadline + 2 * DAY)  # a scan of what fell due since: the step due now is snoozed
    assert keys() == []
    snoozed_until = db.session.get(Referral, referral.id).followup_snoozed_until
    assert snoozed_until.date() == (deadline + timedelta(hours=1) + 3 * DAY).date()
    tick(snoozed_until + 2 * timedelta(hours=1))  # the hourly sweep finds it again
    assert keys() == [("answer", 1)]  # the latest step due, no storm of the skipped ones
    event = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "followup-snooze")
    ).one()
    assert event.to_status == Status.SENT and "snoozed until" in event.note


def test_forward_and_cancel_lead_to_the_referrals_own_forms(cast, login):
    client = login(cast["coordinator"])
    answer, visit = cast["late"]["answer"].id, cast["late"]["visit"].id
    html = client.get("/worklist/").get_data(as_text=True)
    assert f"/referrals/{answer}?open=forward#action-forward" in html
    assert f"/referrals/{answer}?open=cancel#action-cancel" in html
    assert f"/referrals/{visit}?open=cancel#action-cancel" in html
    assert f"/referrals/{visit}?open=forward" not in html  # forwarding is for unanswered ones
    page = client.get(f"/referrals/{answer}?open=forward").get_data(as_text=True)
    assert 'id="action-forward" open' in page and 'id="action-cancel"' in page


def test_a_wrong_snooze_date_is_a_clear_422_on_the_worklist(cast, login, db):
    referral = cast["late"]["answer"]
    client = login(cast["coordinator"])
    for bad in ("", "tomorrow", "2020-01-01"):
        response = _post(client, f"/worklist/{referral.id}/snooze", {"until": bad})
        assert response.status_code == 422, bad
        assert "The referral was not snoozed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).followup_snoozed_until is None
    response = _post(
        client,
        f"/worklist/{referral.id}/snooze?stage=answer",
        {"until": (utcnow() + 7 * DAY).date().isoformat()},
    )
    assert response.status_code == 302 and response.location.endswith("/worklist/?stage=answer")
    html = client.get("/worklist/").get_data(as_text=True)
    assert f"#{referral.id}<" not in html and f"#{cast['late']['urgent'].id}<" in html


def test_a_new_status_ends_the_snooze(cast, db):
    from app.referrals.service import perform

    referral = cast["late"]["answer"]
    actions.snooze(cast["coordinator"], referral.id, (utcnow() + 5 * DAY).date().isoformat())
    db.session.commit()
    assert referral.followup_snoozed_until is not None
    perform(referral, "accept", cast["receiver"], version=referral.version)
    db.session.commit()
    assert db.session.get(Referral, referral.id).followup_snoozed_until is None
