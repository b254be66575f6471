"""clock and clock_event case_id reference complaint

A clock and each of its events belong to a case: clock.case_id and clock_event.case_id
become foreign keys to complaint.id (by table name; the deadlines package does not
import complaints). On PostgreSQL each is added NOT VALID (a brief lock, no scan of the
table) and validated after a commit, which scans under a lock that lets reads and writes
go on. On SQLite the tables are re-created (batch mode; env.py turns foreign keys off
for it and runs PRAGMA foreign_key_check before committing).

Revision ID: a464c33f43fb
Revises: d7940bad8a87
Create Date: 2026-11-24 04:13:48.296433

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "a464c33f43fb"
down_revision = "d7940bad8a87"
branch_labels = None
depends_on = None

# (table, constraint), in the order they are added.
KEYS = (
    ("clock", "fk_clock_case_id_complaint"),
    ("clock_event", "fk_clock_event_case_id_complaint"),
)


def _refuse_orphans(bind) -> None:
    """Before changing anything: rows naming a case that does not exist would make the
    new keys fail half-way (PostgreSQL's VALIDATE runs after a commit)."""
    for table, _name in KEYS:
        orphans = (
            bind.execute(
                sa.text(
                    f"SELECT DISTINCT case_id FROM {table} WHERE NOT EXISTS "
                    f"(SELECT 1 FROM complaint WHERE complaint.id = {table}.case_id) ORDER BY case_id"
                )
            )
            .scalars()
            .all()
        )
        if orphans:
            raise RuntimeError(
                f"{table} rows name {len(orphans)} cases that do not exist "
                f"(case_id {', '.join(map(str, orphans[:10]))}): repair or delete them, "
                "then upgrade again; nothing was changed"
            )


def upgrade():
    bind = op.get_bind()
    _refuse_orphans(bind)
    if bind.dialect.name == "postgresql":
        for table, name in KEYS:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} "
                "FOREIGN KEY (case_id) REFERENCES complaint (id) NOT VALID"
            )
        # Commit first: VALIDATE then holds only SHARE UPDATE EXCLUSIVE on the table
        # while it scans (ADD CONSTRAINT's stronger lock would last until the commit).
        with op.get_context().autocommit_block():
            for table, name in KEYS:
                op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
        return
    for table, name in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(name, "complaint", ["case_id"], ["id"])


def downgrade():
    for table, name in reversed(KEYS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
