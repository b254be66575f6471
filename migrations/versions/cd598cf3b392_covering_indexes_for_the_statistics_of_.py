"""covering indexes for the statistics of a period

On PostgreSQL the statistics of a half year (Art. 8(4)) read the period's complaints
from ix_complaint_received_on and their clocks from ix_clock_case_kind without visiting
the tables (index-only scans). SQLite ignores INCLUDE: there the indexes are plain.
ix_clock_accept_case lists the cases ever forwarded (an accept clock).

Revision ID: cd598cf3b392
Revises: 0efdf6a2f4b9
Create Date: 2026-11-24 01:02:02.894396

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "cd598cf3b392"
down_revision = "0efdf6a2f4b9"
branch_labels = None
depends_on = None

STATISTICS_COLUMNS = [
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
CLOCK_COLUMNS = ["started_at", "met_at", "due_at", "cancelled_at"]


def upgrade():
    op.drop_index("ix_clock_case_id", table_name="clock")
    op.create_index(
        "ix_clock_case_kind",
        "clock",
        ["case_id", "kind"],
        unique=False,
        postgresql_include=CLOCK_COLUMNS,
    )
    op.drop_index("ix_complaint_received_on", table_name="complaint")
    op.create_index(
        "ix_complaint_received_on",
        "complaint",
        ["received_on"],
        unique=False,
        postgresql_include=STATISTICS_COLUMNS,
    )
    op.create_index(
        "ix_clock_accept_case",
        "clock",
        ["case_id"],
        unique=False,
        postgresql_where=sa.text("kind = 'accept'"),
        sqlite_where=sa.text("kind = 'accept'"),
    )


def downgrade():
    op.drop_index("ix_clock_accept_case", table_name="clock")
    op.drop_index("ix_complaint_received_on", table_name="complaint")
    op.create_index("ix_complaint_received_on", "complaint", ["received_on"], unique=False)
    op.drop_index("ix_clock_case_kind", table_name="clock")
    op.create_index("ix_clock_case_id", "clock", ["case_id"], unique=False)
