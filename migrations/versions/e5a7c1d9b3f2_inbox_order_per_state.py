"""inbox order per state

Two indexes in the inbox order (nearest due first, then newest) led by the state, one of
them per member bank: a list filtered to one state (a bank's closed cases, the reports
awaiting the association) starts at its first row and counts from the index, instead of
stepping over the cases in other states. Built CONCURRENTLY on PostgreSQL, outside the
migration's transaction, so the portal keeps writing meanwhile.

Revision ID: e5a7c1d9b3f2
Revises: c3b1f2a9d7e4
Create Date: 2026-11-24 04:50:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "e5a7c1d9b3f2"
down_revision = "c3b1f2a9d7e4"
branch_labels = None
depends_on = None

ORDER = [sa.text("next_due_at"), sa.text("received_at DESC"), sa.text("id DESC")]
INDEXES = {
    "ix_complaint_state_due_order": ["state"],
    "ix_complaint_member_state_due_order": ["member_id", "state"],
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, lead in INDEXES.items():
                op.create_index(
                    name,
                    "complaint",
                    [*lead, *ORDER],
                    postgresql_include=["handling_path"],
                    postgresql_concurrently=True,
                    if_not_exists=True,
                )
        return
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name, lead in INDEXES.items():
            batch_op.create_index(name, [*lead, *ORDER])


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
