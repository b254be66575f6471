"""rectification clocks

Art. 9(2): each rectification opinion with a completion date owns a clock (kind
``rectify``), with reminders and an overdue state like the steps' clocks. A case runs at
most one open clock per step, but one per rectification opinion: the unique index of
open clocks leaves out the per-opinion ones, which have their own.

On PostgreSQL the new column is added without a rewrite and the indexes are built
CONCURRENTLY beside the old one before it is dropped, so uniqueness is enforced
throughout and steps go on writing clocks meanwhile.

Revision ID: 5b7e2c9d4a61
Revises: 847889c8e10d
Create Date: 2026-12-07 05:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7e2c9d4a61"
down_revision = "847889c8e10d"
branch_labels = None
depends_on = None

OPEN = "met_at IS NULL AND cancelled_at IS NULL"
OPEN_PER_CASE = f"{OPEN} AND rectification_id IS NULL"
OPEN_PER_ITEM = f"{OPEN} AND rectification_id IS NOT NULL"
FK = "fk_clock_rectification_id_rectification"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("clock", schema=None) as batch_op:
            batch_op.add_column(sa.Column("rectification_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(FK, "rectification", ["rectification_id"], ["id"])
            batch_op.drop_index("uq_clock_open_case_kind")
            batch_op.create_index(
                "uq_clock_open_case_kind",
                ["case_id", "kind"],
                unique=True,
                sqlite_where=sa.text(OPEN_PER_CASE),
            )
            batch_op.create_index(
                "uq_clock_open_rectification",
                ["rectification_id"],
                unique=True,
                sqlite_where=sa.text(OPEN_PER_ITEM),
            )
        return
    op.add_column("clock", sa.Column("rectification_id", sa.Integer(), nullable=True))
    op.execute(
        f"ALTER TABLE clock ADD CONSTRAINT {FK} FOREIGN KEY (rectification_id) "
        "REFERENCES rectification (id) NOT VALID"
    )
    op.execute(f"ALTER TABLE clock VALIDATE CONSTRAINT {FK}")
    with op.get_context().autocommit_block():
        _replace_open_index(OPEN_PER_CASE)
        op.create_index(
            "uq_clock_open_rectification",
            "clock",
            ["rectification_id"],
            unique=True,
            postgresql_where=sa.text(OPEN_PER_ITEM),
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def _replace_open_index(predicate: str) -> None:
    op.create_index(
        "uq_clock_open_case_kind_next",
        "clock",
        ["case_id", "kind"],
        unique=True,
        postgresql_where=sa.text(predicate),
        postgresql_concurrently=True,
        if_not_exists=True,
    )
    op.drop_index(
        "uq_clock_open_case_kind", table_name="clock", postgresql_concurrently=True, if_exists=True
    )
    op.execute("ALTER INDEX uq_clock_open_case_kind_next RENAME TO uq_clock_open_case_kind")


def downgrade():
    op.execute(
        "DELETE FROM clock_event WHERE clock_id IN (SELECT id FROM clock WHERE kind = 'rectify')"
    )
    op.execute("DELETE FROM clock WHERE kind = 'rectify'")
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index(
                "uq_clock_open_rectification",
                table_name="clock",
                postgresql_concurrently=True,
                if_exists=True,
            )
            _replace_open_index(OPEN)
        op.drop_constraint(FK, "clock", type_="foreignkey")
        op.drop_column("clock", "rectification_id")
        return
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_index("uq_clock_open_rectification")
        batch_op.drop_index("uq_clock_open_case_kind")
        batch_op.create_index(
            "uq_clock_open_case_kind", ["case_id", "kind"], unique=True, sqlite_where=sa.text(OPEN)
        )
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_column("rectification_id")
