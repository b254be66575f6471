"""search refs and intake tokens

Issue 21: a full mobile or ID number searched for in the inbox is kept on the server
under an opaque reference (``search_ref``) instead of travelling in the URL; each intake
form carries a one-time token, unique among the complaints, so that a form submitted
twice registers one complaint.

Revision ID: e2b7c4d9f1a6
Revises: d5b1f3a7c924
Create Date: 2026-12-07 08:30:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "e2b7c4d9f1a6"
down_revision = "d5b1f3a7c924"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("term_enc", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_search_ref_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_ref")),
    )
    op.create_index(op.f("ix_search_ref_ref"), "search_ref", ["ref"], unique=True)
    op.create_index(op.f("ix_search_ref_user_id"), "search_ref", ["user_id"])
    op.create_index(op.f("ix_search_ref_created_at"), "search_ref", ["created_at"])
    op.add_column("complaint", sa.Column("intake_token", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Built without blocking intake on a big table (every row holds NULL so far).
        with op.get_context().autocommit_block():
            op.create_index(
                op.f("ix_complaint_intake_token"),
                "complaint",
                ["intake_token"],
                unique=True,
                postgresql_concurrently=True,
            )
    else:
        op.create_index(
            op.f("ix_complaint_intake_token"), "complaint", ["intake_token"], unique=True
        )


def downgrade():
    op.drop_index("ix_complaint_intake_token", table_name="complaint")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("intake_token")
    op.drop_index("ix_search_ref_created_at", table_name="search_ref")
    op.drop_index("ix_search_ref_user_id", table_name="search_ref")
    op.drop_index("ix_search_ref_ref", table_name="search_ref")
    op.drop_table("search_ref")
