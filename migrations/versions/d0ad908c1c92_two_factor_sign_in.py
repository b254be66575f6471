"""two-factor sign-in: TOTP secrets and recovery codes

A user's TOTP secret (encrypted under the data key), when it was confirmed and the last
time step a code was accepted for (no code works twice); recovery codes as keyed hashes,
each usable once. Three nullable columns: added without rewriting the table on PostgreSQL.

Revision ID: d0ad908c1c92
Revises: b8d2e6f0a419
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "d0ad908c1c92"
down_revision = "b8d2e6f0a419"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_enc", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("totp_confirmed_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_recovery_code_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("user_id", "code_hash", name=op.f("uq_recovery_code_user_id")),
    )


def downgrade():
    op.drop_table("recovery_code")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_confirmed_at")
        batch_op.drop_column("totp_secret_enc")
