"""The follow-up engine: reminders due by the network's rules, each sent exactly once.

Clocks are given to the tick (`now`) and frozen with time-machine where code reads the
clock itself; e-mail goes to a real SMTP server on loopback (aiosmtpd).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.followup.cli import run_tick
from app.followup.engine import tick
from app.followup.overdue import count_overdue, overdue_referrals
from app.models import OutboxMessage, Referral, ReferralEvent, Reminder, Role, Status

MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # 4 January 2027 is a Monday
DAY = timedelta(days=1)


@pytest.fixture
def cast(make, db):
    network = make.network(name="Follow-up Network", kind="clinical")
    gp = make.member(network, name="Harbour GP", email="gp-desk@example.org")
    cardio = make.member(network, name="Cardio Clinic", email="cardio-desk@example.org")
    return {
        "network": network,
        "gp": gp,
        "cardio": cardio,
        "sender": make.practitioner(gp, email="sender@example.org"),
        "receiver": make.practitioner(cardio, email="receiver@example.org"),
        "colleague": make.practitioner(cardio, email="colleague@example.org"),
        "coordinator": make.user(
            Role.COORDINATOR, networks=[network], email="coordinator@example.org"
        ),
    }


def _referral(make, cast, **kw):
    client = make.client(cast["network"], family_name="Quillfeather", given_name="Ysolde")
    return make.referral(
        cast["gp"], cast["cardio"], client=client, reason="MARKER-REASON-5512", **kw
    )


def _keys(db) -> list[tuple[int, str, int]]:
    rows = db.session.execute(
        select(Reminder.referral_id, Reminder.stage, Reminder.step).order_by(Reminder.id)
    )
    return [tuple(row) for row in rows]


def _tagged(messages) -> list[str]:
    return [m["X-Refnet-Reminder"] for m in messages if m["X-Refnet-Reminder"]]


def test_first_reminder_at_the_deadline_then_the_cadence_then_escalation_once(
    make, cast, db, smtp_server
):
    referral = _referral(make, cast, sent_at=MONDAY)  # routine: 5 business days
    deadline = MONDAY + 7 * DAY  # Monday 11 January, 09:00

    assert run_tick(deadline - timedelta(minutes=1)).reminders == 0
    summary = run_tick(deadline)
    assert (summary.reminders, summary.escalations, summary.delivered) == (1, 0, 1)
    assert _tagged(smtp_server) == [f"{referral.id}:answer:0"]
    mail = smtp_server[0]
    # One e-mail per key, to every practitioner of the receiver.
    assert mail["To"] == "receiver@example.org" and mail["Cc"] == "colleague@example.org"
    body = mail.get_payload()
    for secret in ("Quillfeather", "Ysolde", "MARKER-REASON", "1980"):
        assert secret not in body and secret not in mail["Subject"]
    assert f"/referrals/{referral.id}" in body

    assert run_tick(deadline).reminders == 0  # a second run sends nothing
    assert run_tick(deadline + DAY).reminders == 0  # the next one is 2 business days later
    assert run_tick(deadline + 2 * DAY).reminders == 1
    last = run_tick(deadline + 4 * DAY)  # the third and last; two went unheeded: escalate
    assert (last.reminders, last.escalations) == (1, 1)
    assert run_tick(deadline + 15 * DAY).reminders == 0  # three at most, escalated once
    assert _tagged(smtp_server) == [
        f"{referral.id}:answer:0",
        f"{referral.id}:answer:1",
        f"{referral.id}:answer:2",
        f"{referral.id}:answer-escalation:0",
    ]
    assert smtp_server[-1]["To"] == "coordinator@example.org"


def test_catch_up_after_a_long_gap_sends_only_the_latest_step(make, cast, db, smtp_server):
    referral = _referral(make, cast, sent_at=MONDAY)
    summary = run_tick(MONDAY + 25 * DAY)  # nothing ran for weeks
    assert (summary.reminders, summary.escalations) == (1, 1)
    assert _keys(db) == [(referral.id, "answer", 2), (referral.id, "answer-escalation", 0)]
    assert len(smtp_server) == 2
    assert run_tick(MONDAY + 26 * DAY).reminders == 0


def test_reminders_follow_the_priority_and_the_stage(make, cast, db):
    stat = _referral(make, cast, sent_at=MONDAY, priority="stat")  # 4 hours
    accepted = _referral(
        make, cast, status=Status.ACCEPTED, sent_at=MONDAY - DAY, accepted_at=MONDAY
    )
    visited = _referral(
        make,
        cast,
        status=Status.VISITED,
        sent_at=MONDAY - 3 * DAY,
        accepted_at=MONDAY - 2 * DAY,
        visited_at=MONDAY,
    )
    tick(MONDAY + timedelta(hours=4))
    assert _keys(db) == [(stat.id, "answer", 0)]
    tick(MONDAY + 7 * DAY)  # the outcome is due 7 days after the visit
    assert (visited.id, "outcome", 0) in _keys(db)
    tick(MONDAY + 30 * DAY)  # a routine visit within 30 days of acceptance
    assert (accepted.id, "visit", 0) in _keys(db)


def test_the_network_rules_decide_and_holidays_are_no_business_days(make, cast, db):
    network = cast["network"]
    network.deadlines = {
        **network.deadlines,
        "respond": {"routine": {"business_days": 1}},
        "holiday_country": "FR",
    }
    db.session.commit()
    thursday = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)  # 1 January is a holiday in France
    referral = _referral(make, cast, sent_at=thursday)
    tick(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))
    assert _keys(db) == []
    assert count_overdue([network.id], datetime(2027, 1, 4, 8, 59, tzinfo=UTC))["answer"] == 0
    tick(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert _keys(db) == [(referral.id, "answer", 0)]
    (late,) = overdue_referrals([network.id], datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    assert (late.referral_id, late.stage, late.deadline) == (
        referral.id,
        "answer",
        datetime(2027, 1, 4, 9, 0, tzinfo=UTC),
    )


def test_an_unanswered_referral_expires_through_the_state_machine(make, cast, db, smtp_server):
    referral = _referral(make, cast, sent_at=MONDAY)
    answered = _referral(make, cast, status=Status.ACCEPTED, sent_at=MONDAY, accepted_at=MONDAY)
    with time_machine.travel(MONDAY + 40 * DAY, tick=False):
        summary = run_tick(MONDAY + 30 * DAY)
    assert summary.expired == 1
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == Status.EXPIRED
    assert db.session.get(Referral, answered.id).status == Status.ACCEPTED
    event = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id.desc())
    ).first()
    assert (event.action, event.actor_id, event.to_status) == ("expire", None, Status.EXPIRED)
    told = [m for m in smtp_server if m["To"] == "sender@example.org"]
    assert len(told) == 1
    assert f"/referrals/new?again={referral.id}" in told[0].get_payload()
    assert run_tick(MONDAY + 31 * DAY).expired == 0


def test_the_cli_ticks_and_delivers(app, make, cast, db, smtp_server):
    referral = _referral(make, cast, sent_at=MONDAY)
    result = app.test_cli_runner().invoke(
        args=["reminders", "tick", "--now", "2027-01-11T09:00:00+00:00"]
    )
    assert result.exit_code == 0, result.output
    assert "1 reminder(s)" in result.output and "1 delivered" in result.output
    assert _tagged(smtp_server) == [f"{referral.id}:answer:0"]
    refused = app.test_cli_runner().invoke(args=["reminders", "tick", "--now", "yesterday"])
    assert refused.exit_code == 2 and "ISO" in refused.output


def test_a_user_who_chose_the_digest_gets_one_digest_a_day(make, cast, db):
    cast["colleague"].reminder_mail = "digest"
    db.session.commit()
    colleague = cast["colleague"].id
    referral = _referral(make, cast, sent_at=MONDAY)

    def mail():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()

    tick(MONDAY + 7 * DAY)
    immediate, digest = mail()
    assert immediate.to == "receiver@example.org" and "Cc" not in immediate.headers
    assert digest.to == "colleague@example.org"
    assert digest.headers == {"X-Refnet-Digest": f"{colleague}:2027-01-11"}
    assert f"Referral #{referral.id}" in digest.body and "Quillfeather" not in digest.body
    tick(MONDAY + 7 * DAY + timedelta(hours=3))  # nothing new, and today's digest is sent
    tick(MONDAY + 8 * DAY)  # a new day, but nothing new to tell
    assert len(mail()) == 2
    tick(MONDAY + 9 * DAY)  # the second reminder: in the digest of 13 January
    assert mail()[-1].headers == {"X-Refnet-Digest": f"{colleague}:2027-01-13"}


def test_four_ticks_at_once_send_each_reminder_exactly_once(app, make, cast, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent ticks race only on PostgreSQL (REFNET_TEST_DB=postgres)")
    import threading

    referrals = [_referral(make, cast, sent_at=MONDAY + i * timedelta(hours=1)) for i in range(6)]
    expired = _referral(make, cast, sent_at=MONDAY - 31 * DAY)
    ids, expired_id = [r.id for r in referrals], expired.id
    db.session.close()
    now = MONDAY + 9 * DAY + timedelta(hours=6)  # step 1 of each (step 0 skipped)
    barrier = threading.Barrier(4)
    outcomes: list = [None] * 4

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[i] = tick(now)
            except BaseException as exc:
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    assert sum(o.reminders for o in outcomes) == len(ids)
    assert sum(o.expired for o in outcomes) == 1
    assert sorted(_keys(db)) == sorted((i, "answer", 1) for i in ids)
    keys = [m.headers.get("X-Refnet-Reminder") for m in db.session.scalars(select(OutboxMessage))]
    tagged = [k for k in keys if k]
    assert sorted(tagged) == sorted(f"{i}:answer:1" for i in ids)
    assert db.session.get(Referral, expired_id).status == Status.EXPIRED
    assert tick(now).reminders == 0


def test_ticks_that_look_only_at_what_fell_due_since_miss_nothing(make, cast, db, monkeypatch):
    """Between sweeps a tick scans only the steps due since the last tick: every step still
    arrives once, at its time, as a sweep would find it."""
    import app.followup.engine as engine

    monkeypatch.setattr(engine, "SWEEP_EVERY", timedelta(days=365))
    routine = _referral(make, cast, sent_at=MONDAY)
    stat = _referral(make, cast, sent_at=MONDAY + timedelta(hours=30), priority="stat")
    moment, swept = MONDAY, []
    while moment <= MONDAY + 14 * DAY:
        swept.append(tick(moment).swept)
        moment += timedelta(minutes=47)
    assert swept[0] and not any(swept[1:])
    assert sorted(_keys(db)) == sorted(
        [
            (routine.id, "answer", 0),
            (routine.id, "answer", 1),
            (routine.id, "answer", 2),
            (routine.id, "answer-escalation", 0),
            (stat.id, "answer", 0),
            (stat.id, "answer", 1),
            (stat.id, "answer", 2),
            (stat.id, "answer-escalation", 0),
        ]
    )
    due = {
        (r.referral_id, r.stage, r.step): (r.created_at - r.due_at)
        for r in db.session.scalars(select(Reminder))
    }
    assert all(timedelta(0) <= late < timedelta(minutes=47) for late in due.values()), due


def test_time_waiting_on_the_sender_pauses_the_answer_clock(make, cast, db):
    """Asked for more information on day 1 and answered 7 days later: the 5 business days
    to answer count without those 7 days, for reminders and for expiry alike. The per-minute
    scan bounds by sent_at; a paused referral is found by the hourly sweep, so its reminder
    may come up to an hour after its deadline (app/followup/rules.py answer_clock_started)."""
    referral = _referral(make, cast, sent_at=MONDAY)  # routine: due Monday 11 January
    waited = 7 * DAY
    referral.sender_wait_seconds = int(waited.total_seconds())
    db.session.commit()

    assert tick(MONDAY + 7 * DAY).reminders == 0  # would have been due without the wait
    assert tick(MONDAY + 7 * DAY + waited - timedelta(minutes=1)).reminders == 0
    late = tick(MONDAY + 7 * DAY + waited + timedelta(minutes=61))
    assert (late.swept, late.reminders) == (True, 1)
    assert _keys(db) == [(referral.id, "answer", 0)]

    # Expiry (30 days by default) also leaves out the wait.
    assert tick(MONDAY + 30 * DAY + DAY).expired == 0
    assert tick(MONDAY + 30 * DAY + waited + DAY).expired == 1
    assert db.session.get(Referral, referral.id).status == Status.EXPIRED
