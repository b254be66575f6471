"""the sweep's queue for accountability detection, and the day a breach was escalated

The complaints whose change may make a trigger of Art. 12(1) hold, for the sweep to
look at instead of reading the whole province every five minutes (issue 22). Starts
empty: the last sweep before this migration looked at everything.

``clock.escalated_on``: the day the sweep last told further up of a lasting breach, so
the runs after the first of the day skip it (as ``reminded_on`` does for reminders).
Nullable, no default: added without rewriting the table on PostgreSQL.

Revision ID: c3f1a7e5d920
Revises: d0ad908c1c92
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "c3f1a7e5d920"
down_revision = "d0ad908c1c92"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accountability_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_accountability_queue_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_queue")),
    )
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("clock", schema=None) as batch_op:
        batch_op.drop_column("escalated_on")
    op.drop_table("accountability_queue")
