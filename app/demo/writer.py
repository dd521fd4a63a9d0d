"""Bulk writing of generated rows, inside the caller's transaction.

PostgreSQL gets the COPY protocol through psycopg 3 (the fastest way in by far); other
databases get SQLAlchemy Core executemany in large batches. Rows carry explicit ids, so
after loading, the id sequences are moved past them.

For a large load PostgreSQL can also set the tables' secondary indexes and foreign keys
aside and restore them afterwards, as its manual advises ("Populating a Database"):
building an index once and checking a foreign key with one join is many times faster
than doing both row by row. It all happens in the caller's transaction, so a failed load
rolls back to the schema as it was, and the restored definitions are read from the
catalog, so they are exactly those the migrations made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from psycopg import sql
from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    TypeDecorator,
    func,
    insert,
    select,
)

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

    @contextmanager
    def indexes_set_aside(self, tables: Sequence[str]) -> Iterator[None]:
        """Only PostgreSQL sets indexes and foreign keys aside; elsewhere a no-op."""
        yield


class CopyWriter(BulkWriter):
    """COPY … FROM STDIN (FORMAT BINARY) on the connection's own psycopg 3 connection.

    Binary rows cost the client and the server far less than text: no timestamp is
    formatted or parsed. It runs in the caller's transaction, like everything else.
    """

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        driver = self.connection.connection.driver_connection
        written = 0
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(copy_types(table, columns))
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

    @contextmanager
    def indexes_set_aside(self, tables: Sequence[str]) -> Iterator[None]:
        """Drop the secondary indexes and foreign keys of `tables`; restore them on exit."""
        with self.connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(_FOREIGN_KEYS, {"tables": list(tables)})
            foreign_keys = cursor.fetchall()
            cursor.execute(_SECONDARY_INDEXES, {"tables": list(tables)})
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(name)
                    )
                )
            for name, _definition in indexes:
                cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        yield
        with self.connection.connection.driver_connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                        sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                    )
                )
            for table in tables:
                cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


# Definitions come from the catalog (pg_get_*def), so they are restored exactly.
_FOREIGN_KEYS = """
    SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    WHERE c.contype = 'f' AND c.conrelid = ANY(%(tables)s::regclass[])
    ORDER BY t.relname, c.conname
"""
# Indexes that back no constraint of their table (primary keys and unique ones stay).
_SECONDARY_INDEXES = """
    SELECT x.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
    WHERE i.indrelid = ANY(%(tables)s::regclass[])
      AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      )
    ORDER BY x.relname
"""


def copy_types(table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL type names of the columns, as binary COPY needs them, from the models."""
    names = []
    for name in columns:
        column_type = db.metadata.tables[table].c[name].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        names.append(next(pg for kind, pg in _COPY_TYPES if isinstance(column_type, kind)))
    return names


# Most specific first: Boolean before Integer, BigInteger before Integer, Enum is a String.
_COPY_TYPES = (
    (Boolean, "bool"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (DateTime, "timestamptz"),  # refnet stores aware timestamps only (UTCDateTime)
    (Date, "date"),
    (Float, "float8"),  # Float(): double precision on PostgreSQL
    (Numeric, "numeric"),
    (String, "text"),
)


def writer_for(connection: Connection) -> BulkWriter:
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return CopyWriter(connection)
    return BulkWriter(connection)
