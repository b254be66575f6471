"""Bulk writing for the generated data set: COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the table's column order. Both writers take the same tuples:
ints, strings, booleans and None, with times already formatted for the database by
``TimeFormat`` (the generator works on integer epoch seconds, which are much cheaper
than ``datetime`` objects at a million cases).

Everything runs on the SQLAlchemy session's own connection, so the whole generation is
one transaction: a failed run leaves the database as empty as it found it.
"""

import json
from datetime import date

from portal.db import db

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY = 86400


class TimeFormat:
    """Integer epoch seconds (UTC) and day ordinals → the strings each database reads.

    PostgreSQL reads ``2026-01-05 03:12:00+00``; SQLite stores what SQLAlchemy's
    ``DateTime`` writes (``2026-01-05 03:12:00.000000``, UTC, no zone), and its queries
    compare those strings, so the generated rows must use exactly that form.
    """

    def __init__(self, dialect: str, first_ordinal: int, last_ordinal: int):
        self.first = first_ordinal
        self.days = [
            date.fromordinal(o).isoformat() for o in range(first_ordinal, last_ordinal + 1)
        ]
        self.suffix = "+00" if dialect == "postgresql" else ".000000"
        self._base = first_ordinal - EPOCH_ORDINAL

    def ts(self, t: int | None) -> str | None:
        if t is None:
            return None
        d, s = divmod(t, DAY)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{self.days[d - self._base]} {h:02d}:{m:02d}:{s:02d}{self.suffix}"

    def iso(self, t: int) -> str:
        """``datetime.isoformat()`` of the aware UTC moment, as operations store in details."""
        d, s = divmod(t, DAY)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{self.days[d - self._base]}T{h:02d}:{m:02d}:{s:02d}+00:00"

    def day(self, ordinal: int | None) -> str | None:
        return None if ordinal is None else self.days[ordinal - self.first]


def dumps(detail: dict) -> str:
    return json.dumps(detail, ensure_ascii=False)


class BulkWriter:
    """Buffers rows per table and writes them in table order at each ``flush``."""

    def __init__(self, columns: dict[str, tuple[str, ...]]):
        self.columns = columns
        self.rows: dict[str, list[tuple]] = {table: [] for table in columns}
        self.dialect = db.engine.dialect.name
        self.written = 0

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def flush(self) -> int:
        """Write every buffered row (tables in the order given), return how many."""
        connection = db.session.connection().connection.driver_connection
        count = 0
        for table, columns in self.columns.items():
            rows = self.rows[table]
            if not rows:
                continue
            if self.dialect == "postgresql":
                _copy(connection, table, columns, rows)
            else:
                _executemany(connection, table, columns, rows)
            count += len(rows)
            rows.clear()
        self.written += count
        return count


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
