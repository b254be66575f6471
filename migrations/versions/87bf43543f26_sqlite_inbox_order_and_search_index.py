"""SQLite: the inbox order's indexes and a full-text index of the cases

Two things SQLite (the embedded default) lacked to hold a province's size; PostgreSQL
has both already, and on it this migration does nothing.

1. The six inbox-order indexes read the order (due time, newest receipt, id) only if
   they keep ``received_at DESC, id DESC``. On SQLite they lost the DESC when migration
   847889c8e10d rebuilt the complaint table in batch mode (the rebuild copies indexes
   without their sort order), so every inbox list was sorted whole. They are made again
   as the models declare them.

2. ``complaint_search``: an FTS5 table with the trigram tokenizer over the complainant's
   name, the facts, the demand and the tracking number, each with every character
   doubled ("吞卡" → "吞吞卡卡"), as PostgreSQL's doubled trigram indexes: a trigram
   index finds terms of three characters or more, and a doubled term of two is four
   (``portal.complaints.queries.search_condition``). Contentless (it keeps only the
   index, the search reads its row ids); triggers keep it in step with every write of
   the table, whoever makes it (the operations, ``flask demo generate``'s bulk inserts,
   corrections). A later migration that rebuilds the complaint table in batch mode
   drops the triggers with the old table: it must create them again
   (``tests/web/test_search.py`` checks that they exist at the head).

Revision ID: 87bf43543f26
Revises: c3f1a7e5d920
Create Date: 2026-12-07 14:00:00

"""

import sqlite3

from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "87bf43543f26"
down_revision = "c3f1a7e5d920"
branch_labels = None
depends_on = None

ORDER = "next_due_at, received_at DESC, id DESC"
OPEN_STATES = "WHERE state IN ('registered', 'forwarded', 'handling', 'reported')"
INBOX_INDEXES = {
    "ix_complaint_due_order": f"({ORDER})",
    "ix_complaint_member_due_order": f"(member_id, {ORDER})",
    "ix_complaint_open_due_order": f"({ORDER}) {OPEN_STATES}",
    "ix_complaint_member_open_due_order": f"(member_id, {ORDER}) {OPEN_STATES}",
    "ix_complaint_state_due_order": f"(state, {ORDER})",
    "ix_complaint_member_state_due_order": f"(member_id, state, {ORDER})",
}

SEARCH_COLUMNS = ("complainant_name", "facts", "demand", "tracking_no")
TRIGGERS = ("complaint_search_insert", "complaint_search_update", "complaint_search_delete")
TRIGRAM_TOKENIZER = (3, 34, 0)  # the SQLite release that brought it


def doubled(text: str) -> str:
    """SQL for ``text`` with every character doubled (SQLite has no regexp_replace): one
    row per character, concatenated in the order the recursive query makes them."""
    return (
        f"(WITH RECURSIVE at(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM at "
        f"WHERE i < length({text})) "
        f"SELECT group_concat(substr({text}, i, 1) || substr({text}, i, 1), '') FROM at)"
    )


def _row(prefix: str) -> str:
    """The index's row of the case ``prefix`` names (NEW., OLD. or a table): its id and
    its texts doubled."""
    return ", ".join([f"{prefix}id", *(doubled(f"{prefix}{column}") for column in SEARCH_COLUMNS)])


COLUMNS = ", ".join(SEARCH_COLUMNS)
# A contentless FTS5 table forgets a row only when told its indexed values again.
FORGET_OLD = (
    f"INSERT INTO complaint_search(complaint_search, rowid, {COLUMNS}) "
    f"VALUES ('delete', {_row('OLD.')});"
)
ADD_NEW = f"INSERT INTO complaint_search(rowid, {COLUMNS}) VALUES ({_row('NEW.')});"
CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in SEARCH_COLUMNS)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, definition in INBOX_INDEXES.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON complaint {definition}")
    _require_trigrams()
    op.execute(
        f"CREATE VIRTUAL TABLE complaint_search USING fts5({COLUMNS}, "
        "tokenize = 'trigram', content = '', columnsize = 0)"
    )
    op.execute(
        f"INSERT INTO complaint_search(rowid, {COLUMNS}) SELECT {_row('complaint.')} FROM complaint"
    )
    op.execute("INSERT INTO complaint_search(complaint_search) VALUES ('optimize')")
    op.execute(
        f"CREATE TRIGGER complaint_search_insert AFTER INSERT ON complaint BEGIN {ADD_NEW} END"
    )
    op.execute(
        f"CREATE TRIGGER complaint_search_update AFTER UPDATE OF {COLUMNS} ON complaint "
        f"WHEN {CHANGED} BEGIN {FORGET_OLD} {ADD_NEW} END"
    )
    op.execute(
        f"CREATE TRIGGER complaint_search_delete AFTER DELETE ON complaint BEGIN {FORGET_OLD} END"
    )


def _require_trigrams() -> None:
    if sqlite3.sqlite_version_info < TRIGRAM_TOKENIZER:
        raise RuntimeError(
            f"the portal's text search needs SQLite 3.34 or later with FTS5 "
            f"(found {sqlite3.sqlite_version}); upgrade SQLite or use PostgreSQL"
        )


def downgrade():
    # The inbox indexes stay as the models declare them (with their DESC).
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE complaint_search")
