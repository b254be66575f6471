"""sign-ins and sign-in throttling

Each sign-in is a server-side session (signing out ends it for good) and the record of
who signed in, when, from where and with what browser. Wrong passwords are counted per
name and address, name, and address, and slow down later attempts (no lockout).

Revision ID: f7a3c5e9b214
Revises: e2b7c4d9f1a6
Create Date: 2026-12-07 09:20:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "f7a3c5e9b214"
down_revision = "e2b7c4d9f1a6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_sign_in_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in")),
        sa.UniqueConstraint("key", name=op.f("uq_sign_in_key")),
    )
    op.create_index(op.f("ix_sign_in_user_id"), "sign_in", ["user_id"], unique=False)
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("wait_until", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )


def downgrade():
    op.drop_table("sign_in_throttle")
    op.drop_index(op.f("ix_sign_in_user_id"), table_name="sign_in")
    op.drop_table("sign_in")
