"""`flask demo-data`: a consistent, believable and reproducible demo network."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select, text

from app.demo.catalogue import DEMO_NETWORK_NAMES
from app.demo.loader import DemoRequest, load_demo
from app.demo.logins import DEMO_EMAILS, DEMO_PASSWORD
from app.demo.referrals import ReferralGenerator
from app.fields import add_months
from app.models import (
    Client,
    Member,
    Network,
    Referral,
    ReferralEvent,
    Status,
    User,
    user_member,
    user_network,
)
from app.models.member import Specialty

ANCHOR = date(2026, 3, 15)
ANCHOR_AT = datetime(2026, 3, 15, tzinfo=UTC)
SMALL = ["--members", "12", "--referrals", "150", "--anchor", ANCHOR.isoformat()]

# Each timestamp column of a referral, and the actions whose (last) event time it holds.
ACTIONS_OF_COLUMN = {
    "accepted_at": ("accept",),
    "declined_at": ("decline", "forward"),
    "scheduled_at": ("schedule",),
    "visited_at": ("record-visit",),
    "closed_at": ("close",),
    "cancelled_at": ("cancel", "no-show:cancelled"),
    "expired_at": ("expire",),
}


def run_demo(app, *args: str):
    return app.test_cli_runner().invoke(args=["demo-data", *args])


@pytest.fixture
def small_demo(app, db):
    result = run_demo(app, *SMALL)
    assert result.exit_code == 0, result.output
    return result


def _referrals_with_events(db) -> list[tuple[Referral, list[ReferralEvent]]]:
    events: dict[int, list[ReferralEvent]] = defaultdict(list)
    for event in db.session.scalars(select(ReferralEvent).order_by(ReferralEvent.id)):
        events[event.referral_id].append(event)
    referrals = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    return [(referral, events[referral.id]) for referral in referrals]


def test_every_status_occurs_in_both_networks(small_demo, db):
    networks = db.session.scalars(select(Network).order_by(Network.id)).all()
    assert [n.name for n in networks] == list(DEMO_NETWORK_NAMES)
    assert db.session.scalar(select(Referral.id).order_by(Referral.id.desc()).limit(1)) == 150
    for network in networks:
        statuses = set(
            db.session.scalars(select(Referral.status).where(Referral.network_id == network.id))
        )
        assert statuses == set(Status), network.name
    members = db.session.scalars(select(Member)).all()
    assert len(members) == 12
    assert sum(m.network_id == networks[0].id for m in members) == 7  # about 60/40
    assert all(m.email.endswith(".example") and m.phone.startswith("01632 960") for m in members)


def test_event_chains_agree_with_their_referral(small_demo, db):
    expire_days = {n.id: n.expire_after_days for n in db.session.scalars(select(Network))}
    validity = {n.id: (n.validity_months, n.timezone) for n in db.session.scalars(select(Network))}
    for referral, events in _referrals_with_events(db):
        assert events, referral.id
        assert (events[0].action, events[0].from_status) == ("send", None)
        assert events[0].at == referral.sent_at
        for before, after in pairwise(events):
            assert before.at < after.at, referral.id
            assert after.from_status == before.to_status, referral.id
        assert events[-1].to_status == referral.status
        assert events[-1].at == referral.updated_at <= ANCHOR_AT
        assert referral.version == len(events)
        for column, actions in ACTIONS_OF_COLUMN.items():
            done = [e.at for e in events if e.action in actions]
            done += [e.at for e in events if f"{e.action}:{e.to_status}" in actions]
            if column == "scheduled_at" and _missed_last_appointment(events):
                done = []  # a missed appointment is cleared until the next one is made
            assert getattr(referral, column) == (max(done) if done else None), (referral.id, column)
        if referral.scheduled_at is not None:
            assert referral.accepted_at < referral.scheduled_at < referral.appointment_at
        else:
            assert referral.appointment_at is None
        if referral.visited_at is not None:
            months, timezone = validity[referral.network_id]
            local_day = referral.visited_at.astimezone(_zone(timezone)).date()
            assert referral.valid_until == add_months(local_day, months)
            assert referral.accepted_at < referral.visited_at
            if referral.appointment_at is not None:
                assert referral.appointment_at < referral.visited_at
        else:
            assert referral.valid_until is None
        if referral.status == Status.EXPIRED:
            waited = referral.expired_at - referral.sent_at
            assert waited > timedelta(days=expire_days[referral.network_id])
        if referral.status == Status.SENT:
            assert ANCHOR_AT - referral.sent_at < timedelta(days=expire_days[referral.network_id])
        if referral.status in (Status.DECLINED, Status.CANCELLED, Status.EXPIRED):
            assert referral.status_reason


def _missed_last_appointment(events: list[ReferralEvent]) -> bool:
    steps = [(e.action, e.to_status) for e in events if e.action in ("schedule", "no-show")]
    return bool(steps) and steps[-1] == ("no-show", Status.ACCEPTED)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_actors_act_for_the_right_member(small_demo, db):
    users_of: dict[int, set[int]] = defaultdict(set)
    for user_id, member_id in db.session.execute(select(user_member)):
        users_of[member_id].add(user_id)
    for referral, events in _referrals_with_events(db):
        for event in events:
            if event.action == "expire":
                assert event.actor_id is None
            elif event.action in ("send", "cancel"):
                assert event.actor_id is None or event.actor_id in users_of[referral.sender_id]
            else:
                assert event.actor_id is None or event.actor_id in users_of[referral.receiver_id]


def test_parties_networks_and_money(small_demo, db):
    networks = {n.id: n for n in db.session.scalars(select(Network))}
    members = {m.id: m for m in db.session.scalars(select(Member))}
    clients = {c.id: c for c in db.session.scalars(select(Client))}
    for referral in db.session.scalars(select(Referral)):
        sender, receiver = members[referral.sender_id], members[referral.receiver_id]
        assert sender.id != receiver.id
        assert sender.network_id == receiver.network_id == referral.network_id
        client = clients[referral.client_id]
        assert client.network_id == referral.network_id
        assert client.consent and client.consent_at < referral.sent_at
        assert referral.kind.value == networks[referral.network_id].kind.value
        if referral.kind == "clinical":
            assert referral.business_value is None
        elif referral.status == Status.CLOSED:
            assert referral.business_value > 0
        else:
            assert referral.business_value is None


def test_showcase_logins_sign_in_and_the_gp_has_inbox_and_outbox(small_demo, app, db):
    for email in DEMO_EMAILS:
        response = app.test_client().post(
            "/login", data={"email": email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
    gp = db.session.scalar(select(User).where(User.email == "gp@refnet.example"))
    [member] = gp.members
    assert "General practice" in member.specialties
    sent = db.session.scalars(select(Referral.status).where(Referral.sender_id == member.id))
    received = db.session.scalars(select(Referral.id).where(Referral.receiver_id == member.id))
    assert set(sent) == set(Status)
    assert received.all()
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@refnet.example"))
    assert [n.name for n in coordinator.networks] == [DEMO_NETWORK_NAMES[0]]
    assert "demo logins" in small_demo.output.lower()
    assert all(email in small_demo.output for email in DEMO_EMAILS)


def test_forwarded_referrals_link_back(app, db):
    result = run_demo(app, "--anchor", ANCHOR.isoformat())  # 40 members: colleagues to forward to
    assert result.exit_code == 0, result.output
    by_id = {referral.id: (referral, events) for referral, events in _referrals_with_events(db)}
    forwarded = [r for r, _ in by_id.values() if r.forwarded_from_id is not None]
    assert forwarded
    deactivated = db.session.scalars(select(Member).where(Member.active.is_(False))).all()
    assert deactivated
    for copy in forwarded:
        original, events = by_id[copy.forwarded_from_id]
        assert original.status == Status.DECLINED and events[-1].action == "forward"
        assert original.declined_at == copy.sent_at
        assert (original.sender_id, original.client_id) == (copy.sender_id, copy.client_id)
        assert original.suggested_member_id == copy.receiver_id
        assert original.reason == copy.reason
    for member in deactivated:
        touching = db.session.scalars(
            select(Referral).where(
                (Referral.sender_id == member.id) | (Referral.receiver_id == member.id)
            )
        ).all()
        assert all(r.updated_at < member.deactivated_at for r in touching)
        assert all(not r.status.is_open for r in touching)


# Every table the demo fills, and the columns that are not reproducible by design.
DIGESTED = {
    Network.__table__: (),
    Member.__table__: (),
    Specialty.__table__: (),
    User.__table__: ("password_hash",),  # salted
    user_member: (),
    user_network: (),
    Client.__table__: (),
    Referral.__table__: (),
    ReferralEvent.__table__: (),
}


def _digest(db) -> str:
    digest = hashlib.sha256()
    for table, skipped in DIGESTED.items():
        columns = [c for c in table.columns if c.name not in skipped]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns))
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _empty(db) -> None:
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def test_same_seed_same_network_other_seed_another(app, db):
    digests = []
    for seed in ("7", "7", "8"):
        result = run_demo(app, *SMALL, "--seed", seed)
        assert result.exit_code == 0, result.output
        digests.append(_digest(db))
        _empty(db)
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


def test_if_empty_skips_and_a_second_load_is_refused(app, db):
    assert run_demo(app, *SMALL, "--if-empty").exit_code == 0
    count = db.session.scalar(select(Referral.id).order_by(Referral.id.desc()).limit(1))
    skipped = run_demo(app, *SMALL, "--if-empty")
    assert skipped.exit_code == 0
    assert "skipped" in skipped.output
    refused = run_demo(app, *SMALL)
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    db.session.rollback()
    assert db.session.scalar(select(Referral.id).order_by(Referral.id.desc()).limit(1)) == count
    assert len(db.session.scalars(select(Network)).all()) == 2


def test_new_rows_get_fresh_ids_after_a_load(small_demo, db):
    """The generator writes explicit ids; the id sequences must have moved past them."""
    network = db.session.scalars(select(Network).order_by(Network.id)).first()
    highest = db.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1))
    client = Client(network_id=network.id, given_name="Ada", family_name="Byron")
    db.session.add(client)
    db.session.flush()
    assert client.id > highest
    db.session.rollback()


def _schema_objects(db) -> set[tuple[str, ...]]:
    indexes = db.session.execute(
        text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    )
    constraints = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        )
    )
    return {tuple(row) for row in indexes} | {tuple(row) for row in constraints}


def _skip_unless_postgres(db) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY and setting indexes aside are PostgreSQL only")


@pytest.mark.postgres
def test_bulk_load_restores_every_index_and_foreign_key(app, db):
    _skip_unless_postgres(db)
    before = _schema_objects(db)
    request = DemoRequest(members=12, referrals=150, anchor=ANCHOR, set_indexes_aside=True)
    summary = load_demo(request)
    db.session.commit()
    assert summary.referrals == 150 and summary.events > 150
    assert _schema_objects(db) == before


@pytest.mark.postgres
def test_a_failed_bulk_load_leaves_schema_and_data_as_they_were(app, db, monkeypatch):
    _skip_unless_postgres(db)
    before = _schema_objects(db)

    def broken_batches(self, count, batch_size):
        yield from original(self, min(count, 10), batch_size)
        raise RuntimeError("generator failed")

    original = ReferralGenerator.batches
    monkeypatch.setattr(ReferralGenerator, "batches", broken_batches)
    request = DemoRequest(members=12, referrals=150, anchor=ANCHOR, set_indexes_aside=True)
    with pytest.raises(RuntimeError, match="generator failed"):
        load_demo(request)
    db.session.rollback()
    assert _schema_objects(db) == before
    assert db.session.scalar(select(Network.id).limit(1)) is None
