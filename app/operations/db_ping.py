"""Pooled database connections are tested before use only after they sat idle.

SQLAlchemy's `pool_pre_ping` tests every connection on every checkout: one more round trip
to the database on every request, which under load is as many round trips as a list page's
own statements. A connection that went back to the pool milliseconds ago is as alive as it
was; the one a database restart, a fail-over or a firewall's idle timer may have cut is the
one that sat unused. So a connection idle for DATABASE_PING_IDLE seconds or more (10 by
default; 0 tests every checkout, as pool_pre_ping does) is tested with the dialect's own
ping, and a dead one is replaced before the request sees it: DisconnectionError makes the
pool retry with a fresh connection. A restart in the middle of a busy stretch costs the
requests already on the cut connections their answer (a 500); the pool then drops every
connection older than the disconnect. DATABASE_PRE_PING=0 tests none.
"""

from __future__ import annotations

from time import monotonic

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_IDLE_SINCE = "refnet_idle_since"


def init_idle_ping(app: Flask, engine: Engine) -> None:
    """Test `engine`'s pooled connections on checkout when they idled long enough."""
    if not app.config["DATABASE_PRE_PING"]:
        return
    idle_limit = app.config["DATABASE_PING_IDLE"]
    dialect = engine.dialect

    def note_idle(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and monotonic() - since < idle_limit:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"the pooled connection is gone: {error}") from error
        if not alive:
            raise exc.DisconnectionError("the pooled connection did not answer")

    event.listen(engine, "connect", note_idle)  # a new connection needs no test
    event.listen(engine, "checkin", note_idle)
    event.listen(engine, "checkout", ping_if_idle)
