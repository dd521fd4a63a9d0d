"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL.

Alembic's compare_metadata does not see CHECK constraints; tests/check_constraints.py
compares those by name and meaning. On PostgreSQL each test works in a schema of its own
inside TEST_DATABASE_URL's database (the only database a test run may use), dropped after.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import ROOT, create_app
from app.config import TestConfig
from app.extensions import db
from app.models import Referral, Status, utcnow
from app.referrals.day_counts import keep_day_counts, recount_by_day, stop_keeping_day_counts
from tests.check_constraints import check_differences, database_checks, normalize_check
from tests.conftest import _postgres_url
from tests.factories import Factory

MIGRATION_0004 = ROOT / "migrations" / "versions" / "0004_referral_checks_from_status_rules.py"


def _revision_0004():
    spec = importlib.util.spec_from_file_location("revision_0004", MIGRATION_0004)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = _postgres_url()
    if not url:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"refnet_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        server.dispose()


@pytest.fixture
def migrations_app(empty_database):
    app = create_app(TestConfig(empty_database))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_upgrade_matches_models_then_downgrades(migrations_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        checks = check_differences(db.metadata, conn)
        tables = set(inspect(conn).get_table_names())
    assert differences == [], f"migrations and models differ: {differences}"
    assert checks == [], f"CHECK constraints of migrations and models differ: {checks}"
    assert {t.name for t in db.metadata.sorted_tables} <= tables

    downgrade(revision="base")
    with db.engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()


def _referral_checks() -> dict[str, str]:
    with db.engine.connect() as conn:
        return {name: sql for (_, name), sql in database_checks(conn, ["referral"]).items()}


def _current_revision() -> str:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_0004_downgrade_restores_the_old_checks(migrations_app):
    revision = _revision_0004()
    upgrade(revision="0003")
    before = _referral_checks()
    assert {normalize_check(sql) for sql in revision.OLD_CHECKS.values()} <= set(before.values())

    upgrade()
    after = _referral_checks()
    assert set(revision.OLD_CHECKS).isdisjoint(after)
    assert {n: normalize_check(sql) for n, sql in revision.NEW_CHECKS.items()}.items() <= (
        after.items()
    )

    downgrade(revision="0003")
    assert _referral_checks() == before


def _upgrade_with_alembic(revision: str = "head") -> None:
    """Upgrade through alembic itself, which raises what `flask db upgrade` prints
    (Flask-Migrate turns a CommandError into "Error: …" and exit status 1)."""
    command.upgrade(current_app.extensions["migrate"].migrate.get_config(), revision)


@pytest.fixture
def day_counts_not_kept():
    """Referrals written at a revision before 0005, where referral_day_count does not exist."""
    stop_keeping_day_counts()
    try:
        yield
    finally:
        keep_day_counts()


def _head() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


@contextmanager
def later_columns(*tables):
    """The factory writes through today's models: at an old revision, the nullable columns
    that later revisions add exist for its inserts, and are gone again before the upgrade."""
    added = []
    with db.engine.begin() as conn:
        inspector = inspect(conn)
        for table in tables:
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    assert column.nullable, f"{table.name}.{column.name} needs a value"
                    kind = column.type.compile(conn.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                    added.append((table.name, column.name))
    yield
    db.session.remove()
    with db.engine.begin() as conn:
        for table, column in added:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))


def test_0004_names_the_referrals_that_break_a_new_check_and_changes_nothing(
    migrations_app, day_counts_not_kept
):
    upgrade(revision="0003")
    with later_columns(Referral.__table__):
        make = Factory(db.session)
        network = make.network()
        sender, receiver = make.member(network), make.member(network)
        now = utcnow()
        good = make.referral(sender, receiver, Status.CLOSED)
        # Each of these passes the checks of revision 0003.
        closed_looking = make.referral(sender, receiver, Status.SENT, closed_at=now, outcome="Seen")
        silent_expiry = make.referral(sender, receiver, Status.EXPIRED)
        silent_expiry.status_reason = None
        many = [
            make.referral(sender, receiver, Status.ACCEPTED, declined_at=now - timedelta(hours=i))
            for i in range(12)
        ]
        db.session.commit()
        good_id, closed_looking_id, silent_expiry_id = good.id, closed_looking.id, silent_expiry.id
        many_ids = [r.id for r in many]
        db.session.remove()
    before = _referral_checks()

    with pytest.raises(CommandError) as refused:
        _upgrade_with_alembic()
    message = str(refused.value)

    assert "nothing was changed" in message
    lines = {line.split()[0]: line for line in message.splitlines()[1:]}
    assert set(lines) == {
        "ck_referral_closed_at_by_status",
        "ck_referral_outcome_by_status",
        "ck_referral_declined_at_by_status",
        "ck_referral_status_reason_by_status",
    }
    assert lines["ck_referral_closed_at_by_status"].endswith(f"referral {closed_looking_id}")
    assert lines["ck_referral_outcome_by_status"].endswith(f"referral {closed_looking_id}")
    assert lines["ck_referral_status_reason_by_status"].endswith(f"referral {silent_expiry_id}")
    first_ten = ", ".join(str(i) for i in many_ids[:10])
    assert lines["ck_referral_declined_at_by_status"].endswith(f"referrals {first_ten} and 2 more")
    assert "(status = 'declined') = (declined_at IS NOT NULL)" in message
    named = {word.strip(",") for line in lines.values() for word in line.split()}
    assert str(good_id) not in named
    assert _current_revision() == "0003"
    assert _referral_checks() == before

    # Mended, the same upgrade goes through.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE referral SET declined_at = NULL WHERE status = 'accepted'"))
        conn.execute(
            text("UPDATE referral SET status_reason = 'No answer in time' WHERE id = :id"),
            {"id": silent_expiry_id},
        )
        conn.execute(
            text("UPDATE referral SET closed_at = NULL, outcome = NULL WHERE id = :id"),
            {"id": closed_looking_id},
        )
    _upgrade_with_alembic()
    assert _current_revision() == _head()


def test_0005_counts_the_referrals_already_there(migrations_app, day_counts_not_kept):
    upgrade(revision="0004")
    with later_columns(Referral.__table__):
        make = Factory(db.session)
        riverside, harbour = make.network(), make.network()
        gp, cardio = make.member(riverside), make.member(riverside)
        lawyer, accountant = make.member(harbour), make.member(harbour)
        now = utcnow()
        for days in (0, 0, 1, 3, 40):
            make.referral(gp, cardio, Status.SENT, sent_at=now - timedelta(days=days))
            make.referral(lawyer, accountant, Status.CLOSED, sent_at=now - timedelta(days=days))
        # Just before and after midnight UTC: two days.
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        make.referral(gp, cardio, Status.ACCEPTED, sent_at=midnight - timedelta(microseconds=1))
        make.referral(gp, cardio, Status.ACCEPTED, sent_at=midnight)
        db.session.remove()

    upgrade()
    kept, recounted = recount_by_day()
    assert kept == recounted
    assert sum(recounted.values()) == 12
