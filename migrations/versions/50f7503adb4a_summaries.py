"""Art. 9(4): members' half-year summaries and countermeasures

A member's summary of a half year in versions (a draft, then submitted and frozen with
its figures), its countermeasures with their follow-up, and the history of both. On
PostgreSQL the three tables are behind the tenancy wall (row-level security, as
b8d2e6f0a419): a member's request reads its own bank's summaries only.

Revision ID: 50f7503adb4a
Revises: 2bd846f5d58b
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "50f7503adb4a"
down_revision = "2bd846f5d58b"
branch_labels = None
depends_on = None


def _in_bank(path: str) -> str:
    return (
        f"({path} >= current_setting('app.scope_low', true) COLLATE \"C\""
        f" AND {path} < current_setting('app.scope_high', true) COLLATE \"C\")"
    )


def _member_unit(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM unit u WHERE u.id = {column} AND {_in_bank('u.path')})"


def _through(table: str, column: str) -> str:
    # The parent row's own policy decides (policies apply inside policies).
    return f"EXISTS (SELECT 1 FROM {table} p WHERE p.id = {column})"


# table -> the condition a row must meet
WALL = {
    "period_summary": _member_unit("member_id"),
    "summary_countermeasure": _through("period_summary", "summary_id"),
    "summary_event": _through("period_summary", "summary_id"),
}


def upgrade():
    op.create_table(
        "period_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_period_summary_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_period_summary_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_period_summary_submitted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_summary")),
        sa.UniqueConstraint(
            "member_id", "period", "number", name=op.f("uq_period_summary_member_id")
        ),
    )
    with op.batch_alter_table("period_summary", schema=None) as batch_op:
        batch_op.create_index("ix_period_summary_period", ["period", "member_id"], unique=False)
    op.create_table(
        "summary_countermeasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("done_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["summary_id"],
            ["period_summary.id"],
            name=op.f("fk_summary_countermeasure_summary_id_period_summary"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_countermeasure")),
    )
    with op.batch_alter_table("summary_countermeasure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_summary_countermeasure_summary_id"), ["summary_id"], unique=False
        )
    op.create_table(
        "summary_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("countermeasure_id", sa.Integer(), nullable=True),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_summary_event_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["countermeasure_id"],
            ["summary_countermeasure.id"],
            name=op.f("fk_summary_event_countermeasure_id_summary_countermeasure"),
        ),
        sa.ForeignKeyConstraint(
            ["summary_id"],
            ["period_summary.id"],
            name=op.f("fk_summary_event_summary_id_period_summary"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_event")),
    )
    with op.batch_alter_table("summary_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_summary_event_summary_id"), ["summary_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for table, condition in WALL.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING ({condition})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WALL:
            op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table, index in (
        ("summary_event", "ix_summary_event_summary_id"),
        ("summary_countermeasure", "ix_summary_countermeasure_summary_id"),
        ("period_summary", "ix_period_summary_period"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
        op.drop_table(table)
