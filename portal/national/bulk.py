"""Bulk writing for the generated data set: COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the table's column order: ints, strings, booleans and None,
with times already formatted for the database by ``TimeFormat`` (the generator works on
integer epoch seconds, much cheaper than ``datetime`` objects at a million cases).

Everything runs on the SQLAlchemy session's own connection, so the whole generation is
one transaction: a failed run leaves the database as empty as it found it. On
PostgreSQL a background thread COPYs one chunk while the generator makes the next, so
the server and Python each keep a core busy.
"""

import json
import queue
import threading
from datetime import date

from sqlalchemy import text

from portal.db import db

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY = 86400


class TimeFormat:
    """Integer epoch seconds (UTC) and day ordinals → the strings each database reads.

    PostgreSQL reads ``2026-01-05 03:12:00+00``; SQLite stores what SQLAlchemy's
    ``DateTime`` writes (``2026-01-05 03:12:00.000000``, UTC, no zone), and its queries
    compare those strings, so the generated rows must use exactly that form. The
    86,400 times of day are formatted once: a time is then a division and two look-ups.
    """

    def __init__(self, dialect: str, first_ordinal: int, last_ordinal: int):
        self.first = first_ordinal
        self.days = [
            date.fromordinal(o).isoformat() for o in range(first_ordinal, last_ordinal + 1)
        ]
        suffix = "+00" if dialect == "postgresql" else ".000000"
        clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self._hms = [f" {c}{suffix}" for c in clock]
        self._iso = [f"T{c}+00:00" for c in clock]
        self._base = first_ordinal - EPOCH_ORDINAL

    def ts(self, t: int | None) -> str | None:
        if t is None:
            return None
        d = t // DAY
        return self.days[d - self._base] + self._hms[t - d * DAY]

    def iso(self, t: int) -> str:
        """``datetime.isoformat()`` of the aware UTC moment, as operations store in details."""
        d = t // DAY
        return self.days[d - self._base] + self._iso[t - d * DAY]

    def day(self, ordinal: int | None) -> str | None:
        return None if ordinal is None else self.days[ordinal - self.first]


class BulkWriter:
    """Buffers rows per table; ``flush`` writes them in the order the tables are given.

    On PostgreSQL ``flush`` hands the rows to a background thread and returns at once
    (one chunk in flight at most); ``finish`` waits for it. The caller must not use the
    session while a chunk is in flight.
    """

    def __init__(self, columns: dict[str, tuple[str, ...]], background: bool = True):
        self.columns = columns
        self.rows: dict[str, list[tuple]] = {table: [] for table in columns}
        self.dialect = db.engine.dialect.name
        self.written = 0
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._background = background and self.dialect == "postgresql"

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def flush(self) -> int:
        """Write (or queue) every buffered row; returns how many."""
        batch = {table: rows for table, rows in self.rows.items() if rows}
        self.rows = {table: [] for table in self.columns}
        count = sum(len(rows) for rows in batch.values())
        self.written += count
        if not batch:
            return 0
        if self._background:
            self._raise()
            if self._thread is None:
                connection = _driver_connection()
                self._thread = threading.Thread(target=self._run, args=(connection,), daemon=True)
                self._thread.start()
            self._queue.put(batch)
        else:
            self._write(_driver_connection(), batch)
        return count

    def finish(self) -> None:
        """Wait until everything queued is written; re-raise a failure of the writer."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self, connection) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            if self._error is None:
                try:
                    self._write(connection, batch)
                except BaseException as error:  # handed to the generating thread
                    self._error = error

    def _write(self, connection, batch: dict) -> None:
        for table, columns in self.columns.items():
            rows = batch.get(table)
            if rows:
                if self.dialect == "postgresql":
                    _copy(connection, table, columns, rows)
                else:
                    _executemany(connection, table, columns, rows)


def _driver_connection():
    return db.session.connection().connection.driver_connection


def _copy(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            write = copy.write_row
            for row in rows:
                write(row)


def _executemany(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    cursor = connection.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


class IndexesAfterLoad:
    """PostgreSQL: drop the secondary indexes of ``tables`` for the load and build them
    again afterwards from their own definitions (a sorted build is much cheaper than
    millions of scattered inserts). Primary keys and unique constraints stay; the
    unique indexes rebuilt check their rows at the end. Same transaction: all or nothing.
    """

    def __init__(self, tables):
        self.tables = list(tables)
        self.definitions: list[tuple[str, str]] = []

    def drop(self) -> None:
        if db.engine.dialect.name != "postgresql":
            return
        rows = db.session.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
                "AND NOT x.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) "
                "ORDER BY i.tablename, i.indexname"
            ),
            {"tables": self.tables},
        ).all()
        self.definitions = [(name, definition) for name, definition in rows]
        for name, _definition in self.definitions:
            db.session.execute(text(f'DROP INDEX "{name}"'))

    def rebuild(self) -> None:
        for _name, definition in self.definitions:
            db.session.execute(text(definition))
        self.definitions = []


def dumps(detail: dict) -> str:
    """A ``detail`` as the JSON column holds it (hot paths write the same text directly)."""
    return json.dumps(detail, ensure_ascii=False)
