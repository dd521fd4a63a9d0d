"""Pooled connections are tested before use only after they sat idle (app/operations/db_ping.py):
a connection the database cut while it idled is replaced before a request sees it, and one
just returned to the pool goes out again without a round trip."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, exc, text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.operations import db_ping

pytestmark = pytest.mark.skipif(
    os.environ.get("REFNET_TEST_DB") != "postgres",
    reason="cutting a connection from the server's side needs PostgreSQL",
)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(db_ping, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def engine(database_url, monkeypatch, clock):
    monkeypatch.setenv("DATABASE_PING_IDLE", "10")
    other = create_app(TestConfig(database_url))
    with other.app_context():
        yield db.engine
        db.engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _cut(database_url: str, pid: int) -> None:
    killer = create_engine(database_url)
    try:
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def test_a_connection_cut_while_it_idled_is_replaced_before_use(engine, database_url, clock):
    first = _backend(engine)
    _cut(database_url, first)
    clock[0] += 11  # idle longer than DATABASE_PING_IDLE: tested, found dead, replaced
    second = _backend(engine)
    assert second != first
    assert _backend(engine) == second  # the new one is pooled and reused


def test_a_connection_just_returned_goes_out_untested(engine, database_url, clock):
    first = _backend(engine)
    _cut(database_url, first)
    clock[0] += 1  # back in the pool a second ago: not tested, so the cut shows once
    with pytest.raises(exc.OperationalError):
        _backend(engine)
    assert _backend(engine) != first  # and the pool has dropped it
