"""intake outcomes, and the flags in the statistics

Besides valid and invalid, the association may close a complaint at intake as out of its
scope and referred elsewhere (where to: ``referred_to``) or as a duplicate of a case
already registered (``duplicate_of_id``). The statistics count major (重大) and media
(舆情) complaints, so the covering index of a period's complaints carries the two flags
(PostgreSQL; SQLite ignores INCLUDE).

On PostgreSQL the new columns are added without a rewrite (nullable, no default), the
indexes are built CONCURRENTLY outside the migration's transaction, and the foreign key
is added NOT VALID and then validated, so intakes and steps go on meanwhile.

Revision ID: 847889c8e10d
Revises: d86beda6489c
Create Date: 2026-12-07 05:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "847889c8e10d"
down_revision = "d86beda6489c"
branch_labels = None
depends_on = None

OLD_COLUMNS = [
    "id",
    "member_id",
    "handling_path",
    "state",
    "finding",
    "satisfaction",
    "repeat_of_id",
    "outlet_id",
    "category_id",
    "channel",
]
NEW_COLUMNS = [*OLD_COLUMNS, "is_major", "is_media"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("complaint", schema=None) as batch_op:
            batch_op.add_column(sa.Column("referred_to", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
            batch_op.create_index("ix_complaint_duplicate_of_id", ["duplicate_of_id"])
            batch_op.create_foreign_key(
                "fk_complaint_duplicate_of_id_complaint", "complaint", ["duplicate_of_id"], ["id"]
            )
        return
    op.add_column("complaint", sa.Column("referred_to", sa.String(length=200), nullable=True))
    op.add_column("complaint", sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
    op.execute(
        "ALTER TABLE complaint ADD CONSTRAINT fk_complaint_duplicate_of_id_complaint "
        "FOREIGN KEY (duplicate_of_id) REFERENCES complaint (id) NOT VALID"
    )
    op.execute("ALTER TABLE complaint VALIDATE CONSTRAINT fk_complaint_duplicate_of_id_complaint")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_complaint_duplicate_of_id",
            "complaint",
            ["duplicate_of_id"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        _rebuild_received_on(NEW_COLUMNS)


def _rebuild_received_on(columns):
    """The period index with other included columns: built beside the old one, then put
    in its place, so a period's statistics always have one to read."""
    op.create_index(
        "ix_complaint_received_on_next",
        "complaint",
        ["received_on"],
        postgresql_include=columns,
        postgresql_concurrently=True,
        if_not_exists=True,
    )
    op.drop_index(
        "ix_complaint_received_on",
        table_name="complaint",
        postgresql_concurrently=True,
        if_exists=True,
    )
    op.execute("ALTER INDEX ix_complaint_received_on_next RENAME TO ix_complaint_received_on")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            _rebuild_received_on(OLD_COLUMNS)
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaint_duplicate_of_id_complaint", type_="foreignkey")
        batch_op.drop_index("ix_complaint_duplicate_of_id")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("referred_to")
