"""The referrals counted per network, status and day (referral_day_count) agree with a
recount of `referral`, whatever mix of sends and transitions came before; the dashboards'
figures drawn from them equal a plain count; two transactions never lose an update.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, true, update

from app.dashboard.service import network_overview
from app.demo.loader import DemoRequest, load_demo
from app.extensions import db as _db
from app.models import Referral, ReferralDayCount, Role, Status, utcnow
from app.referrals.clients import ClientInput
from app.referrals.counts import status_counts
from app.referrals.day_counts import (
    DayCountsOutOfStep,
    in_status_sent_before,
    rebuild_day_counts,
    recount_by_day,
    sent_since,
)
from app.referrals.errors import ReferralError
from app.referrals.service import NewReferral, perform, send_referral
from app.referrals.states import TRANSITIONS

# Who acts for each action (the table's parties), and values that satisfy every action.
ACTORS = {
    "accept": "receiver",
    "decline": "receiver",
    "forward": "coordinator",
    "cancel": "sender",
    "expire": None,
    "schedule": "receiver",
    "record-visit": "receiver",
    "no-show": "receiver",
    "close": "receiver",
    "reschedule": "receiver",
    "request-info": "receiver",
    "provide-info": "sender",
    "interim-report": "receiver",
    "reopen": "receiver",
}
assert set(ACTORS) == {t.action.value for t in TRANSITIONS.values()}, "every action has its actor"


def _values(action: str, referral: Referral, forward_to: int) -> dict:
    now = utcnow()
    return {
        "reason": "Counted again",
        "reason_code": "other",
        "receiver_id": forward_to,
        "appointment_at": (now + timedelta(days=2)).isoformat(),
        "visit_date": now.date().isoformat(),
        "outcome": "Seen and treated",
        "question": "Latest results?",
        "answer": "Attached.",
        "report": "Seen, results pending.",
        "confirm_early_visit": True,
        # Half the no-shows cancel the referral, half go back to accepted.
        "cancel": action == "no-show" and referral.id % 2 == 0,
    }


@pytest.fixture
def cast(make, db):
    """Two networks, three members each; a practitioner for each member and a coordinator."""

    def build():
        networks = [make.network(), make.network()]
        members, users = [], {}
        for network in networks:
            trio = [make.member(network) for _ in range(3)]
            members.append(trio)
            for member in trio:
                users[member.id] = make.practitioner(member)
            users[("coordinator", network.id)] = make.user(Role.COORDINATOR, networks=[network])
        return members, users

    return build


steps = st.lists(
    st.one_of(
        # send: network, sender, receiver (indexes), how many days and hours ago
        st.tuples(
            st.just("send"),
            st.integers(0, 1),
            st.integers(0, 2),
            st.integers(0, 2),
            st.integers(0, 40),
            st.integers(0, 23),
        ),
        # act: which of the last four referrals sent, which of the actions its status
        # allows (an index), so that most steps move a referral on
        st.tuples(st.just("act"), st.integers(0, 3), st.integers(0, 11)),
    ),
    min_size=20,
    max_size=60,
)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: the status check below is stable
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_counts_agree_with_a_recount_after_any_sends_and_transitions(cast, db, steps):
    members, users = cast()
    sent: list[int] = []
    for step in steps:
        try:
            if step[0] == "send":
                _, net, a, b, days, hours = step
                if a == b:
                    continue
                sender, receiver = members[net][a], members[net][b]
                referral = send_referral(
                    users[sender.id],
                    NewReferral(
                        receiver_id=receiver.id,
                        kind="clinical",
                        reason="Counted again",
                        service="Consult",
                        client=ClientInput("Ada", "Lovelace", "1980-05-17", consent=True),
                        confirm_duplicate=True,
                    ),
                    now=utcnow() - timedelta(days=days, hours=hours),
                )
                db.session.commit()
                sent.append(referral.id)
            elif sent:
                _, which, choice = step
                referral = db.session.get(Referral, sent[-1 - which % len(sent)])
                possible = [
                    t.action.value for t in TRANSITIONS.values() if referral.status in t.sources
                ]
                if not possible:
                    continue
                action = possible[choice % len(possible)]
                who = ACTORS[action]
                if who == "coordinator":
                    actor = users[("coordinator", referral.network_id)]
                elif who is not None:
                    actor = users[referral.receiver_id if who == "receiver" else referral.sender_id]
                else:
                    actor = None
                trio = next(t for t in members if t[0].network_id == referral.network_id)
                other = next(
                    m for m in trio if m.id not in (referral.sender_id, referral.receiver_id)
                )
                perform(referral, action, actor, values=_values(action, referral, other.id))
                db.session.commit()
        except ReferralError:
            db.session.rollback()
    kept, recounted = recount_by_day()
    assert kept == recounted
    REACHED.update(status for _, status, _ in kept)


REACHED: set[str] = set()


def test_the_random_mix_reached_every_status():
    """The example above went through every status (it runs first, in file order)."""
    if not REACHED:
        pytest.skip("reads what the test above reached; run it too")
    assert {s.value for s in Status} == REACHED


def test_a_rolled_back_change_leaves_the_counts_as_they_were(make, db):
    network = make.network()
    gp, cardio = make.member(network), make.member(network)
    referral = make.referral(gp, cardio, Status.SENT)
    before = recount_by_day()[0]
    referral.status = Status.EXPIRED
    referral.expired_at = utcnow()
    referral.status_reason = "No answer"
    db.session.flush()
    assert recount_by_day()[0] != before  # in step inside the transaction
    db.session.rollback()
    assert recount_by_day()[0] == before


def test_rebuild_counts_again_from_the_referrals(make, db):
    network = make.network()
    gp, cardio = make.member(network), make.member(network)
    for days, status in ((0, Status.SENT), (3, Status.ACCEPTED), (3, Status.ACCEPTED)):
        make.referral(gp, cardio, status, sent_at=utcnow() - timedelta(days=days))
    kept = recount_by_day()[0]
    # Something wrote around the ORM: the counts are wrong until they are rebuilt.
    db.session.execute(update(ReferralDayCount.__table__).values(n=7))
    db.session.commit()
    assert recount_by_day()[0] != kept
    assert rebuild_day_counts() == 2
    db.session.commit()
    assert recount_by_day()[0] == kept == recount_by_day()[1]


def test_a_change_the_counts_never_saw_is_refused_not_hidden(make, db):
    network = make.network()
    referral = make.referral(make.member(network), make.member(network), Status.SENT)
    db.session.execute(delete(ReferralDayCount))
    db.session.commit()
    referral.status = Status.EXPIRED
    referral.expired_at = utcnow()
    referral.status_reason = "No answer"
    with pytest.raises(DayCountsOutOfStep):
        db.session.flush()
    db.session.rollback()


def test_the_demo_loader_counts_what_it_wrote(db):
    load_demo(DemoRequest(members=8, referrals=300, seed=3))
    db.session.commit()
    kept, recounted = recount_by_day()
    assert kept == recounted
    assert sum(kept.values()) == 300


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: the status check below is stable
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offsets=st.lists(st.integers(0, 50 * 24 * 60), min_size=1, max_size=30),
    statuses=st.lists(st.sampled_from([Status.SENT, Status.ACCEPTED, Status.EXPIRED]), min_size=30),
    minute_of_day=st.integers(0, 24 * 60 - 1),
)
def test_windows_starting_mid_day_equal_a_plain_count(make, db, offsets, statuses, minute_of_day):
    """ "Sent in the last 30 days" and "unanswered for over 5 days" from whole days of counts
    and a part of one day of referrals: the same as counting every referral."""
    network = make.network()
    gp, cardio = make.member(network), make.member(network)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    now = today + timedelta(minutes=minute_of_day)
    for offset, status in zip(offsets, statuses, strict=False):
        make.referral(gp, cardio, status, sent_at=now - timedelta(minutes=offset))
    ids = [network.id]
    mine = Referral.network_id == network.id
    for days in (5, 30):
        moment = now - timedelta(days=days)
        assert sent_since(ids, moment) == _count(mine, Referral.sent_at >= moment)
        assert in_status_sent_before(ids, Status.SENT, moment) == _count(
            mine, Referral.status == Status.SENT, Referral.sent_at < moment
        )
    # Every network (admins): the same figures with no network named.
    moment = now - timedelta(days=30)
    assert sent_since(None, moment) == _count(true(), Referral.sent_at >= moment)


def _count(*conditions) -> int:
    return _db.session.scalar(select(func.count()).select_from(Referral).where(*conditions))


def test_dashboard_figures_equal_a_recount(make, db):
    network = make.network()
    gp, cardio = make.member(network), make.member(network)
    for days in range(0, 60, 4):
        make.referral(gp, cardio, Status.SENT, sent_at=utcnow() - timedelta(days=days, hours=7))
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    figures = network_overview(coordinator)
    assert (
        figures["referrals"].by_status == status_counts(Referral.network_id == network.id).by_status
    )


# Two transactions at once (PostgreSQL: SQLite lets one writer in at a time).


def test_concurrent_sends_and_transitions_lose_no_update(app, make, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (REFNET_TEST_DB=postgres)")
    network = make.network()
    gp, cardio, physio = (make.member(network) for _ in range(3))
    users = {m.id: make.practitioner(m) for m in (gp, cardio, physio)}
    # Sent referrals for the accepting threads, all on one day: every thread hits one row.
    moment = utcnow() - timedelta(days=2)
    waiting = [make.referral(gp, cardio, Status.SENT, sent_at=moment).id for _ in range(12)]
    user_ids = {m: u.id for m, u in users.items()}
    db.session.remove()
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def work(kind: str, share: list[int]):
        try:
            with app.app_context():
                if kind == "send":
                    actor = _db.session.get(type(users[gp.id]), user_ids[gp.id])
                    barrier.wait()
                    for _ in range(6):
                        send_referral(
                            actor,
                            NewReferral(
                                receiver_id=physio.id,
                                kind="clinical",
                                reason="At the same time",
                                service="Consult",
                                client=ClientInput("Bo", "Brook", "1970-01-01", consent=True),
                                confirm_duplicate=True,
                            ),
                            now=moment,
                        )
                        _db.session.commit()
                else:
                    actor = _db.session.get(type(users[cardio.id]), user_ids[cardio.id])
                    barrier.wait()
                    for referral_id in share:
                        perform(_db.session.get(Referral, referral_id), kind, actor)
                        _db.session.commit()
                _db.session.remove()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=work, args=("send", [])),
        threading.Thread(target=work, args=("send", [])),
        threading.Thread(target=work, args=("accept", waiting[:6])),
        threading.Thread(target=work, args=("accept", waiting[6:])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    kept, recounted = recount_by_day()
    assert kept == recounted
    day = moment.date()
    assert kept[(network.id, "sent", day)] == 12  # 12 sent by the threads, 12 accepted
    assert kept[(network.id, "accepted", day)] == 12
