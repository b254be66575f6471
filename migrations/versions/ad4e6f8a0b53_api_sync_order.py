"""a member's cases in the order of their last change (API v1's sync)

A bank's system reads its cases oldest change first and comes back with
``updated_since``: without an index in that order, PostgreSQL sorted the bank's whole
tree for each page (7 s cold for a big bank at a million complaints). Built CONCURRENTLY
on PostgreSQL.

Revision ID: ad4e6f8a0b53
Revises: 9c3e5a7b1d42
Create Date: 2026-12-07 19:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "ad4e6f8a0b53"
down_revision = "9c3e5a7b1d42"
branch_labels = None
depends_on = None

NAME = "ix_complaint_member_updated"
COLUMNS = ["member_id", "updated_at", "id"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                NAME,
                "complaint",
                COLUMNS,
                postgresql_include=["handling_path", "state"],
                postgresql_concurrently=True,
                if_not_exists=True,
            )
        return
    op.create_index(NAME, "complaint", COLUMNS)


def downgrade():
    op.drop_index(NAME, table_name="complaint")
