"""index the unaccepted history entries

A partial index on complaint_event(complaint_id) for the entries recording an accept
deadline nobody met (action = 'unaccepted', Art. 12(1)1): the sweep's accountability
detection looked for them with two sequential scans of the whole history (10.8 M rows,
~2 s, at a million complaints). On PostgreSQL the index is built CONCURRENTLY, outside
the migration's transaction, so intakes and steps go on writing history meanwhile.

Revision ID: c3b1f2a9d7e4
Revises: 78c78d81865d
Create Date: 2026-11-24 04:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "c3b1f2a9d7e4"
down_revision = "78c78d81865d"
branch_labels = None
depends_on = None

NAME = "ix_complaint_event_unaccepted"
UNACCEPTED = sa.text("action = 'unaccepted'")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                NAME,
                "complaint_event",
                ["complaint_id"],
                postgresql_where=UNACCEPTED,
                postgresql_concurrently=True,
                if_not_exists=True,
            )
        return
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index(NAME, ["complaint_id"], sqlite_where=UNACCEPTED)


def downgrade():
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index(NAME, postgresql_where=UNACCEPTED, sqlite_where=UNACCEPTED)
