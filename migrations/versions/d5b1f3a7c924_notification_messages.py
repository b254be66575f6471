"""notification messages

A notice keeps its title and body as messages (message ids with parameters) as well as
Chinese text, so that each reader reads it in their own language.

Revision ID: d5b1f3a7c924
Revises: c3a9e1f5d702
Create Date: 2026-12-07 08:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5b1f3a7c924"
down_revision = "c3a9e1f5d702"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("message", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("message")
