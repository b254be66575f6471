"""follower count

How many follow a case, kept on the case: a step tells its followers, and the case page
says whether the reader follows, without a query when nobody does (most cases). On
PostgreSQL a column with a constant default is added without rewriting the table.

Revision ID: addf08dedc99
Revises: 5b7e2c9d4a61
Create Date: 2026-12-07 06:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "addf08dedc99"
down_revision = "5b7e2c9d4a61"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follower_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE complaint SET follower_count = (SELECT count(*) FROM case_follower"
        " WHERE case_follower.complaint_id = complaint.id)"
        " WHERE id IN (SELECT complaint_id FROM case_follower)"
    )


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("follower_count")
