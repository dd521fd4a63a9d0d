"""The status rules (app/referrals/status_rules.py): one table, read by models, pages and tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app import ROOT
from app.models import Referral, ReferralKind, Status, utcnow
from app.referrals.states import TRANSITIONS
from app.referrals.status_rules import (
    MAY_FILL,
    MUST_FILL,
    STAGE_FIELDS,
    STATUS_LABELS,
    STATUS_RULES,
)


@pytest.mark.parametrize(
    "module", ["app.referrals.status_rules", "app.referrals.states", "app.models.referral"]
)
def test_each_module_imports_first_without_a_cycle(module):
    """app/models/referral.py reads the rules while the models load: whichever of them a
    process imports first, the import works."""
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_status_has_a_label_and_fields_it_may_carry():
    assert set(STATUS_RULES) == set(STATUS_LABELS) == set(Status)
    assert all(label.strip() for label in STATUS_LABELS.values())
    assert len(set(STATUS_LABELS.values())) == len(Status)
    for status in Status:
        assert MUST_FILL[status] <= MAY_FILL[status] <= set(STAGE_FIELDS)
    # Every stage field belongs to some status; a sent referral carries none.
    assert set().union(*MAY_FILL.values()) == set(STAGE_FIELDS)
    assert MAY_FILL[Status.SENT] == frozenset()


def test_what_an_action_requires_is_what_its_target_must_carry():
    """The fields an action takes from the person (reason, appointment, outcome…) end up
    where the target status says they must: the two tables agree."""
    stored_as = {
        "reason": "status_reason",
        "appointment_at": "appointment_at",
        "visit_date": "visited_at",
        "outcome": "outcome",
        "question": "info_question",
    }
    for transition in TRANSITIONS.values():
        if transition.target not in Status:  # found from the referral: reopen, interim report
            continue
        for name in transition.requires:
            if name in stored_as:
                assert stored_as[name] in MUST_FILL[transition.target], (transition.action, name)


def _value_for(field: str, member_id: int):
    if field.endswith("_at"):
        return utcnow()
    return {
        "valid_until": date(2030, 1, 1),
        "status_reason": "A reason",
        "info_question": "A question",
        "reason_code": "other",
        "outcome": "Seen and treated",
        "business_value": Decimal("250.00"),
        "suggested_member_id": member_id,
    }[field]


def test_the_database_holds_every_status_to_its_rule_both_ways(make, db):
    """From a valid row in each status: filling a field the status may not carry, or
    emptying one it must carry, is refused by a CHECK; filling one it may carry is not."""
    network = make.network()
    sender, receiver = make.member(network), make.member(network)
    rows = {
        status: make.referral(sender, receiver, status, kind=ReferralKind.PROFESSIONAL).id
        for status in Status
    }
    table = Referral.__table__
    outcomes = {}
    for status, referral_id in rows.items():
        for field in STAGE_FIELDS:
            value = None if field in MUST_FILL[status] else _value_for(field, sender.id)
            statement = update(table).where(table.c.id == referral_id).values({field: value})
            with db.engine.connect() as conn:
                try:
                    conn.execute(statement)
                    outcomes[(status, field)] = "kept"
                except IntegrityError:
                    outcomes[(status, field)] = "refused"
                conn.rollback()
    expected = {
        (status, field): "kept" if field in MAY_FILL[status] - MUST_FILL[status] else "refused"
        for status in Status
        for field in STAGE_FIELDS
    }
    assert outcomes == expected
