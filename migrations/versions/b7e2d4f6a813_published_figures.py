"""published figures

A bulletin's figures frozen when it is published, so that a member's annex and its
dashboard can say what the bulletin counted (Art. 8(4)).

Revision ID: b7e2d4f6a813
Revises: 9c3e5a7b1d20
Create Date: 2026-12-07 07:30:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b7e2d4f6a813"
down_revision = "9c3e5a7b1d20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "published_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("head", sa.JSON(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figures")),
        sa.UniqueConstraint("bulletin_id", name=op.f("uq_published_figures_bulletin_id")),
    )
    op.create_index(
        op.f("ix_published_figures_period"), "published_figures", ["period"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_published_figures_period"), table_name="published_figures")
    op.drop_table("published_figures")
