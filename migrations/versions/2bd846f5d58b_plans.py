"""Art. 9(3): contingency plans for foreseeable complaints

Members' plans (预案) and their append-only history of versions. On PostgreSQL both
tables are behind the tenancy wall (row-level security, as b8d2e6f0a419): a member's
request reads its own bank's plans only.

Revision ID: 2bd846f5d58b
Revises: 5a1dd240837e
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "2bd846f5d58b"
down_revision = "5a1dd240837e"
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
    "contingency_plan": _member_unit("member_id"),
    "contingency_plan_revision": _through("contingency_plan", "plan_id"),
}


def upgrade():
    op.create_table(
        "contingency_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filed_by_id"],
            ["user_account.id"],
            name=op.f("fk_contingency_plan_filed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_contingency_plan_member_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contingency_plan")),
    )
    with op.batch_alter_table("contingency_plan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contingency_plan_member_dates", ["member_id", "status", "starts_on"], unique=False
        )
    op.create_table(
        "contingency_plan_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_contingency_plan_revision_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["contingency_plan.id"],
            name=op.f("fk_contingency_plan_revision_plan_id_contingency_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contingency_plan_revision")),
    )
    with op.batch_alter_table("contingency_plan_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contingency_plan_revision_plan_id"), ["plan_id"], unique=False
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
    with op.batch_alter_table("contingency_plan_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingency_plan_revision_plan_id"))
    op.drop_table("contingency_plan_revision")
    with op.batch_alter_table("contingency_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_contingency_plan_member_dates")
    op.drop_table("contingency_plan")
