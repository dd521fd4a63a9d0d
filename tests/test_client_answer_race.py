"""The same answer posted at the same moment from several tabs is recorded once.

PostgreSQL only: the link row is locked (FOR UPDATE) while an answer is recorded; SQLite
has one writer at a time and cannot show the race.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.client_page.service import client_answer
from app.models import Notification, Referral, ReferralEvent, Status, utcnow
from app.referrals.client_links import client_token

pytestmark = pytest.mark.postgres
THREADS = 6


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level races need PostgreSQL (REFNET_TEST_DB=postgres)")
    return db


def test_one_answer_from_many_tabs_is_recorded_once(app, pg, make):
    network = make.network()
    gp, clinic = make.member(network), make.member(network, name="Heart Clinic")
    make.practitioner(clinic)
    client = make.client(network, email="ada@example.org", contact_consent=True)
    referral = make.referral(
        gp, clinic, Status.SCHEDULED, client=client, appointment_at=utcnow() + timedelta(days=2)
    )
    token = client_token(referral)
    pg.session.commit()
    referral_id = referral.id
    barrier = threading.Barrier(THREADS)
    results: list[object] = []

    def answer():
        with app.app_context():
            try:
                barrier.wait()
                results.append(client_answer(token, "confirm"))
                pg.session.commit()
            except Exception as exc:  # reported below, not lost in the thread
                results.append(exc)
            finally:
                pg.session.remove()

    threads = [threading.Thread(target=answer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(repr, results)) == sorted(["True"] + ["False"] * (THREADS - 1))
    events = pg.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == referral_id, ReferralEvent.action == "client-confirm"
        )
    ).all()
    assert len(events) == 1
    assert pg.session.query(Notification).filter_by(kind="client-confirm").count() == 1
    assert pg.session.get(Referral, referral_id).version == 1  # the referral itself untouched
