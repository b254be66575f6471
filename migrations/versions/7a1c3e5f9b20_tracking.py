"""the complainant's side: rate windows, /track look-ups, online return visits

Revision ID: 7a1c3e5f9b20
Revises: 6c0e2f4b8a17
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7a1c3e5f9b20"
down_revision = "6c0e2f4b8a17"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_window",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_window")),
    )


def downgrade():
    op.drop_table("rate_window")
