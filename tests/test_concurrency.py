"""Several people acting on one referral at the same moment: exactly one wins.

Each attempt runs in its own thread with its own app context, so its own session and its
own database connection; a barrier releases them together once every one of them has
loaded the referral at version 1. The optimistic lock (`version` on the referral) must let
exactly one transaction through; the others are told that the referral changed, and
nothing they did reaches the database: no event, notification, e-mail or audit row.

PostgreSQL only: SQLite locks the whole file for a writer, so it cannot show a row race.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.models import (
    AuditLog,
    Notification,
    OutboxMessage,
    Referral,
    ReferralEvent,
    Role,
    Status,
    User,
)
from app.referrals.clients import ClientInput
from app.referrals.errors import StaleReferral
from app.referrals.service import NewReferral, perform, send_referral
from app.referrals.states import TRANSITIONS, Action

pytestmark = pytest.mark.postgres

THREADS = 8
WON, TOLD = "won", "told it changed"
SENT_EVENT = ("send", None, Status.SENT)


@dataclass(frozen=True)
class Attempt:
    action: str
    user: str  # a key of the cast
    version: int | None = 1
    values: dict = field(default_factory=dict)


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level races need PostgreSQL (REFNET_TEST_DB=postgres)")
    return db


@pytest.fixture
def cast(pg, make) -> dict[str, int]:
    """A sent referral from Riverside GP (two practitioners) to Heart Clinic, committed; Other
    Clinic is where it can be forwarded."""
    network = make.network()
    gp = make.member(network, name="Riverside GP")
    heart = make.member(network, name="Heart Clinic")
    other = make.member(network, name="Other Clinic")
    users = {
        "gp": make.practitioner(gp),
        "gp2": make.user(members=[gp]),
        "heart": make.practitioner(heart),
        "coordinator": make.user(Role.COORDINATOR, networks=[network]),
    }
    referral = send_referral(
        users["gp"],
        NewReferral(
            receiver_id=heart.id,
            kind="clinical",
            reason="Chest pain on exertion",
            service="Cardiology consult",
            client=ClientInput("Ada", "Lovelace", "1980-05-17", consent=True),
        ),
    )
    ids = {key: user.id for key, user in users.items()}
    ids |= {"referral": referral.id, "other_member": other.id}
    pg.session.commit()
    pg.session.close()  # the threads must find nothing of ours holding the row
    return ids


def race(app, db, cast: dict[str, int], attempts: list[Attempt]) -> list:
    """Run the attempts at once; each outcome is WON, TOLD, or the unexpected exception."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list = [None] * len(attempts)

    def attempt(i: int, step: Attempt) -> None:
        with app.app_context():  # its own scoped session, removed when the context ends
            try:
                referral = db.session.get(Referral, cast["referral"])
                user = db.session.get(User, cast[step.user])
                assert referral.version == 1 and referral.status == Status.SENT
            except BaseException as exc:
                outcomes[i] = exc
                barrier.abort()
                return
            try:
                barrier.wait(timeout=30)
                perform(referral, step.action, user, version=step.version, values=step.values)
                db.session.commit()
                outcomes[i] = WON
            except (StaleReferral, StaleDataError):
                db.session.rollback()
                outcomes[i] = TOLD
            except BaseException as exc:
                db.session.rollback()
                outcomes[i] = exc

    threads = [
        threading.Thread(target=attempt, args=(i, step), name=f"attempt-{i}")
        for i, step in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an attempt hung"
    unexpected = [o for o in outcomes if o not in (WON, TOLD)]
    assert not unexpected, unexpected
    return outcomes


def _committed(db, referral_id: int) -> dict:
    """What the database holds after the race, read in a fresh transaction."""
    db.session.rollback()
    referral = db.session.get(Referral, referral_id, populate_existing=True)
    events = db.session.execute(
        select(ReferralEvent.action, ReferralEvent.from_status, ReferralEvent.to_status)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(ReferralEvent.id)
    ).all()
    notifications = Counter(
        (row.user_id, row.kind)
        for row in db.session.execute(select(Notification.user_id, Notification.kind))
    )
    audit = [
        row.action
        for row in db.session.execute(
            select(AuditLog.action)
            .where(AuditLog.entity == "referral", AuditLog.entity_id == referral_id)
            .order_by(AuditLog.id)
        )
    ]
    referrals = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    return {
        "referral": referral,
        "events": [tuple(e) for e in events],
        "notifications": notifications,
        "mails": len(db.session.scalars(select(OutboxMessage)).all()),
        "audit": audit,
        "referrals": referrals,
    }


def test_eight_accepts_at_once_exactly_one_wins(app, pg, cast):
    attempts = [Attempt("accept", "heart") for _ in range(THREADS)]

    outcomes = race(app, pg, cast, attempts)

    assert outcomes.count(WON) == 1 and outcomes.count(TOLD) == THREADS - 1
    after = _committed(pg, cast["referral"])
    referral = after["referral"]
    assert (referral.status, referral.version) == (Status.ACCEPTED, 2)
    assert referral.accepted_at is not None
    assert after["events"] == [SENT_EVENT, ("accept", Status.SENT, Status.ACCEPTED)]
    # The receiver heard of the referral once; each of the sender's practitioners of the
    # acceptance once, in the app and by e-mail.
    assert after["notifications"] == {
        (cast["heart"], "send"): 1,
        (cast["gp"], "accept"): 1,
        (cast["gp2"], "accept"): 1,
    }
    assert after["mails"] == 3
    assert after["audit"] == ["create", "accept"]


MIXED = [
    Attempt("accept", "heart"),
    Attempt(
        "decline", "heart", values={"reason_code": "other", "reason": "No capacity this month"}
    ),
    Attempt("cancel", "gp", values={"reason_code": "other", "reason": "Client moved away"}),
    # Callers that do not pass the version they saw are guarded by the row version all the same.
    Attempt("accept", "heart", version=None),
    Attempt(
        "decline",
        "heart",
        version=None,
        values={"reason_code": "other", "reason": "Out of our scope"},
    ),
    Attempt(
        "cancel", "gp2", version=None, values={"reason_code": "other", "reason": "Sent by mistake"}
    ),
    Attempt("accept", "heart"),
    Attempt(
        "cancel", "coordinator", values={"reason_code": "other", "reason": "Duplicate referral"}
    ),
]


def test_accept_decline_and_cancel_at_once_exactly_one_wins(app, pg, cast):
    outcomes = race(app, pg, cast, MIXED)

    assert outcomes.count(WON) == 1 and outcomes.count(TOLD) == THREADS - 1
    winner = MIXED[outcomes.index(WON)]
    target = TRANSITIONS[Action(winner.action)].target
    after = _committed(pg, cast["referral"])
    referral = after["referral"]
    assert (referral.status, referral.version) == (target, 2)
    assert after["events"] == [SENT_EVENT, (winner.action, Status.SENT, target)]
    assert after["audit"] == ["create", winner.action]
    assert {kind for _, kind in after["notifications"]} == {"send", winner.action}
    assert set(after["notifications"].values()) == {1}
    # Only the winner's timestamp and reason are there, as the CHECK constraints require.
    stamps = {
        Status.ACCEPTED: referral.accepted_at,
        Status.DECLINED: referral.declined_at,
        Status.CANCELLED: referral.cancelled_at,
    }
    assert [status for status, at in stamps.items() if at is not None] == [target]
    if target == Status.ACCEPTED:
        assert referral.status_reason is None
    else:
        assert referral.status_reason == winner.values["reason"]


def test_two_forwards_and_a_decline_at_once_make_at_most_one_copy(app, pg, cast):
    forward = {"receiver_id": cast["other_member"]}
    attempts = [
        Attempt("forward", "heart", values=forward),
        Attempt("forward", "coordinator", values=forward),
        Attempt(
            "decline", "heart", values={"reason_code": "other", "reason": "No capacity this month"}
        ),
        Attempt("forward", "heart", version=None, values=forward),
    ] * 2

    outcomes = race(app, pg, cast, attempts)

    assert outcomes.count(WON) == 1 and outcomes.count(TOLD) == THREADS - 1
    winner = attempts[outcomes.index(WON)]
    after = _committed(pg, cast["referral"])
    assert (after["referral"].status, after["referral"].version) == (Status.DECLINED, 2)
    copies = [r for r in after["referrals"] if r.forwarded_from_id == cast["referral"]]
    assert len(after["referrals"]) == 1 + len(copies)
    assert len(copies) == (1 if winner.action == "forward" else 0)
    assert after["events"] == [SENT_EVENT, (winner.action, Status.SENT, Status.DECLINED)]
    assert after["audit"] == ["create", winner.action]
    for copy in copies:
        assert (copy.status, copy.version, copy.receiver_id) == (
            Status.SENT,
            1,
            cast["other_member"],
        )


def _at_once(app, db, work, n: int = 4) -> list:
    """Run `work(i)` in n threads released together; each outcome is its result or error."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[i] = work(i)
                db.session.commit()
            except BaseException as exc:
                db.session.rollback()
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a send hung"
    return outcomes


def test_four_sends_for_one_existing_client_at_once_pass_the_duplicate_check_once(app, pg, cast):
    from app.referrals.errors import PossibleDuplicate

    client_id = pg.session.get(Referral, cast["referral"]).client_id
    pg.session.close()

    def send(_i):
        user = pg.session.get(User, cast["gp"])
        new = NewReferral(
            receiver_id=cast["other_member"],
            kind="clinical",
            reason="Second opinion",
            service="Cardiology consult",
            client_id=client_id,
        )
        return send_referral(user, new).id

    outcomes = _at_once(app, pg, send)
    made = [o for o in outcomes if isinstance(o, int)]
    assert len(made) == 1, outcomes
    assert all(isinstance(o, PossibleDuplicate) for o in outcomes if o not in made), outcomes
    pg.session.rollback()
    to_other = pg.session.scalars(
        select(Referral).where(Referral.receiver_id == cast["other_member"])
    ).all()
    assert [r.id for r in to_other] == made


def test_four_api_posts_with_one_idempotency_key_at_once_make_one_referral(app, pg, cast):
    from app.tokens.service import create_token

    _token, secret = create_token(pg.session.get(User, cast["gp"]), "tests")
    pg.session.commit()
    body = {
        "receiver_id": cast["other_member"],
        "kind": "clinical",
        "reason": "Second opinion",
        "service": "Cardiology consult",
        "client": {"given_name": "Bo", "family_name": "Lin", "birth_date": "1970-01-02",
                   "consent": True},
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "once-only"}
    pg.session.close()

    def post(_i):
        response = app.test_client().post("/api/v1/referrals", json=body, headers=headers)
        return response.status_code, response.get_json().get("id")

    outcomes = _at_once(app, pg, post)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    ids = {ident for status, ident in outcomes if status == 201}
    assert len(ids) == 1, outcomes  # every 201 is the one referral
    assert all(status in (201, 409) for status, _ in outcomes), outcomes
    pg.session.rollback()
    to_other = pg.session.scalars(
        select(Referral).where(Referral.receiver_id == cast["other_member"])
    ).all()
    assert [r.id for r in to_other] == list(ids)
