"""Bulk writing of generated rows, inside the caller's transaction.

PostgreSQL gets the COPY protocol through psycopg 3 (the fastest way in by far); other
databases get SQLAlchemy Core executemany in large batches. Rows carry explicit ids, so
after loading, the id sequences are moved past them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from psycopg import sql
from sqlalchemy import Connection, func, insert, select

from app.extensions import db

# Tables the generator gives explicit ids; their sequences must be moved after a load.
ID_TABLES = ("member", "user_account", "client", "referral", "referral_event")
EXECUTEMANY_BATCH = 5000


class BulkWriter:
    """Executemany through SQLAlchemy Core: column types convert values as the ORM would."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def next_id(self, table: str) -> int:
        column = db.metadata.tables[table].c.id
        return (self.connection.scalar(select(func.max(column))) or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        statement = insert(db.metadata.tables[table])
        written = 0
        iterator = iter(rows)
        while chunk := list(islice(iterator, EXECUTEMANY_BATCH)):
            params = [dict(zip(columns, row, strict=True)) for row in chunk]
            self.connection.execute(statement, params)
            written += len(chunk)
        return written

    def sync_ids(self, tables: Sequence[str] = ID_TABLES) -> None:
        """Nothing to do: SQLite gives the next row max(id) + 1 by itself."""


class CopyWriter(BulkWriter):
    """COPY … FROM STDIN on the connection's own psycopg 3 connection, in its transaction."""

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        driver = self.connection.connection.driver_connection
        written = 0
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                written += 1
        return written

    def sync_ids(self, tables: Sequence[str] = ID_TABLES) -> None:
        statement = sql.SQL(
            "SELECT setval(pg_get_serial_sequence({name}, 'id'),"
            " coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
        )
        with self.connection.connection.driver_connection.cursor() as cursor:
            for table in tables:
                cursor.execute(statement.format(name=table, table=sql.Identifier(table)))


def writer_for(connection: Connection) -> BulkWriter:
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return CopyWriter(connection)
    return BulkWriter(connection)
