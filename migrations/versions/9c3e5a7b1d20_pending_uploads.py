"""pending uploads

Files chosen on the intake worksheet are kept as soon as they are chosen, so that a
submission refused for another field does not lose them; registering the complaint turns
them into attachments.

Revision ID: 9c3e5a7b1d20
Revises: addf08dedc99
Create Date: 2026-12-07 07:10:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "9c3e5a7b1d20"
down_revision = "addf08dedc99"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_pending_upload_uploaded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_upload")),
    )
    op.create_index(op.f("ix_pending_upload_uploaded_by_id"), "pending_upload", ["uploaded_by_id"])
    op.create_index(op.f("ix_pending_upload_uploaded_at"), "pending_upload", ["uploaded_at"])


def downgrade():
    op.drop_index("ix_pending_upload_uploaded_at", table_name="pending_upload")
    op.drop_index("ix_pending_upload_uploaded_by_id", table_name="pending_upload")
    op.drop_table("pending_upload")
