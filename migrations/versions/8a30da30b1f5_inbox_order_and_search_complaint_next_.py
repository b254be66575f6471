"""inbox order and search: complaint.next_due_at, keyset and trigram indexes

complaint.next_due_at is the earliest due time among the case's open clocks, kept by
portal.deadlines.operations; the inboxes sort and page on it (keyset pagination) through
four indexes in the inbox order (on PostgreSQL carrying the scope and state columns). On PostgreSQL with pg_trgm available, trigram GIN
indexes serve the free-text search (ILIKE '%…%'); elsewhere they are skipped and the
search scans, as before.

Revision ID: 8a30da30b1f5
Revises: cd598cf3b392
Create Date: 2026-11-24 00:51:57.225702

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "8a30da30b1f5"
down_revision = "cd598cf3b392"
branch_labels = None
depends_on = None

OPEN_STATES = sa.text("state IN ('registered', 'forwarded', 'handling', 'reported')")
ORDER = ["next_due_at", sa.literal_column("received_at DESC"), sa.literal_column("id DESC")]
CARRY = ["handling_path", "state"]  # PostgreSQL: filter and count from the index alone
TEXT_COLUMNS = ("tracking_no", "complainant_name", "facts", "demand")
OPEN_CLOCK = "clock.met_at IS NULL AND clock.cancelled_at IS NULL"


def _trigrams_available(bind) -> bool:
    """pg_trgm installed or installable here (it is a trusted extension from PG 13)."""
    if bind.dialect.name != "postgresql":
        return False
    if not bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar():
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()  # no privilege: the search works without the indexes
        return False
    savepoint.commit()
    return True


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_due_at", portal.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Backfill: the earliest due time of each case's open clocks.
    op.execute(
        "UPDATE complaint SET next_due_at = "
        f"(SELECT min(clock.due_at) FROM clock WHERE clock.case_id = complaint.id AND {OPEN_CLOCK}) "
        f"WHERE complaint.id IN (SELECT clock.case_id FROM clock WHERE {OPEN_CLOCK})"
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_due_order", ORDER, unique=False, postgresql_include=CARRY
        )
        batch_op.create_index(
            "ix_complaint_member_due_order",
            ["member_id", *ORDER],
            unique=False,
            postgresql_include=CARRY,
        )
        batch_op.create_index(
            "ix_complaint_open_due_order",
            ORDER,
            unique=False,
            postgresql_include=CARRY,
            postgresql_where=OPEN_STATES,
            sqlite_where=OPEN_STATES,
        )
        batch_op.create_index(
            "ix_complaint_member_open_due_order",
            ["member_id", *ORDER],
            unique=False,
            postgresql_include=CARRY,
            postgresql_where=OPEN_STATES,
            sqlite_where=OPEN_STATES,
        )
    if _trigrams_available(op.get_bind()):
        for column in TEXT_COLUMNS:
            op.create_index(
                f"ix_complaint_{column}_trgm",
                "complaint",
                [column],
                unique=False,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in TEXT_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_complaint_{column}_trgm")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_member_open_due_order")
        batch_op.drop_index("ix_complaint_open_due_order")
        batch_op.drop_index("ix_complaint_member_due_order")
        batch_op.drop_index("ix_complaint_due_order")
        batch_op.drop_column("next_due_at")
