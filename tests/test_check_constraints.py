"""The CHECK comparison of the migration test (tests/check_constraints.py) sees a difference.

The migrated test database (SQLite, or PostgreSQL with REFNET_TEST_DB=postgres) is held
against a copy of the models' metadata with one CHECK removed, changed or added.
"""

from __future__ import annotations

import pytest
from sqlalchemy import CheckConstraint, MetaData

from tests.check_constraints import check_differences, normalize_check

SPELLINGS = [
    # (as a model writes it, as PostgreSQL's pg_get_constraintdef or SQLite gives it back)
    (
        "(status IN ('visited', 'closed')) = (visited_at IS NOT NULL)",
        "(((status)::text = ANY ((ARRAY['visited'::character varying,"
        " 'closed'::character varying])::text[])) = (visited_at IS NOT NULL))",
    ),
    (
        "status NOT IN ('accepted', 'scheduled') OR accepted_at IS NOT NULL",
        "(((status)::text <> ALL ((ARRAY['accepted'::character varying,"
        " 'scheduled'::character varying])::text[])) OR (accepted_at IS NOT NULL))",
    ),
    ("status NOT IN ('x') OR y IS NULL", "(((status)::text <> 'x'::text) OR (y IS NULL))"),
    ("business_value >= 0", "(business_value >= (0)::numeric)"),
    ("validity_months BETWEEN 1 AND 120", "((validity_months >= 1) AND (validity_months <= 120))"),
    (
        "(consent = false AND consent_at IS NULL) OR (consent = true AND consent_at IS NOT NULL)",
        "(((consent = false) AND (consent_at IS NULL)) OR ((consent = true)"
        " AND (consent_at IS NOT NULL)))",
    ),
    ('"kind"   in (\'clinical\')', "kind = 'clinical'"),
    ("a <> b", "(A != B)"),
]  # fmt: skip
DIFFERENT = [
    ("version >= 1", "version >= 0"),
    ("closed_at IS NULL", "closed_at IS NOT NULL"),
    ("status IN ('a', 'b')", "status IN ('a', 'c')"),
    ("status IN ('a', 'b') OR x IS NULL", "status NOT IN ('a', 'b') OR x IS NULL"),
    ("a OR (b AND c)", "(a OR b) AND c"),
    ("(status = 'closed') = (x IS NULL)", "(status = 'closed') OR (x IS NULL)"),
]


@pytest.mark.parametrize(("model", "database"), SPELLINGS)
def test_spellings_of_one_condition_compare_equal(model, database):
    assert normalize_check(model) == normalize_check(database)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_conditions_stay_different(one, other):
    assert normalize_check(one) != normalize_check(other)


def _copy(metadata: MetaData) -> MetaData:
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def _check(metadata: MetaData, table: str, name: str) -> CheckConstraint:
    return next(
        c
        for c in metadata.tables[table].constraints
        if isinstance(c, CheckConstraint) and c.name == name
    )


def test_the_models_copy_matches_the_migrated_database(db):
    with db.engine.connect() as conn:
        assert check_differences(_copy(db.metadata), conn) == []


def test_a_check_removed_from_the_models_is_reported(db):
    models = _copy(db.metadata)
    referral = models.tables["referral"]
    referral.constraints.remove(_check(models, "referral", "ck_referral_closed_at_by_status"))
    with db.engine.connect() as conn:
        differences = check_differences(models, conn)
    assert differences == [
        (
            "only in database",
            "referral",
            "ck_referral_closed_at_by_status",
            "status = 'closed' = closed_at is not null",
        )
    ]


def test_a_check_changed_in_the_models_is_reported(db):
    models = _copy(db.metadata)
    referral = models.tables["referral"]
    referral.constraints.remove(_check(models, "referral", "ck_referral_closed_at_by_status"))
    # The old one-way rule: "closed has a closing time", but nothing keeps it out of others.
    referral.append_constraint(
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_at_by_status")
    )
    with db.engine.connect() as conn:
        differences = check_differences(models, conn)
    assert differences == [
        (
            "changed",
            "referral",
            "ck_referral_closed_at_by_status",
            "status <> 'closed' or closed_at is not null",
            "status = 'closed' = closed_at is not null",
        )
    ]


def test_a_check_added_to_the_models_is_reported(db):
    models = _copy(db.metadata)
    models.tables["network"].append_constraint(
        CheckConstraint("length(timezone) > 0", name="timezone_given")
    )
    with db.engine.connect() as conn:
        differences = check_differences(models, conn)
    assert differences == [
        ("missing in database", "network", "ck_network_timezone_given", "length(timezone) > 0")
    ]
