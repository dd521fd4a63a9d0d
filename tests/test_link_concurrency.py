"""One intake form posted four times at the same moment (a double click on a slow phone):
one referral, and every post answers with the thank-you page. PostgreSQL only, as
tests/test_concurrency.py: SQLite has one writer at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.links.service import create_link
from app.links.throttle import init_link_throttle
from app.models import LinkIntake, Referral
from tests.test_concurrency import _at_once

pytestmark = pytest.mark.postgres


def test_one_form_posted_four_times_at_once_makes_one_referral(app, db, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level races need PostgreSQL (REFNET_TEST_DB=postgres)")
    init_link_throttle(app)
    network = make.network(kind="professional")
    owner, target = make.member(network), make.member(network)
    link = create_link(make.practitioner(owner), target.id)
    db.session.commit()
    code = link.code
    form = {
        "given_name": "Nia",
        "family_name": "Okafor",
        "email": "nia@example.org",
        "message": "A contract to review.",
        "form_token": "one-form-token-0123456789",
    }
    db.session.close()

    def post(_i):
        response = app.test_client().post(f"/r/{code}", data=form)
        return response.status_code

    outcomes = _at_once(app, db, post)
    assert outcomes == [302, 302, 302, 302], outcomes
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
    assert db.session.scalar(select(func.count()).select_from(LinkIntake)) == 1
