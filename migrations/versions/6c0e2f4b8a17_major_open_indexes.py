"""the open major complaints in the inbox order (partial indexes)

The homes list the open major complaints (重大投诉) of the province and of a member, nearest
due first. They are a few per cent of the open cases: filtered from the member's open-case
index, PostgreSQL combined it with a bitmap of the bank's whole path range (180,000 entries
for a big bank at a million complaints) and took 25 ms; from an index of the open major
cases alone, 5 ms. Built CONCURRENTLY on PostgreSQL; SQLite creates them directly (a batch
rebuild of the table would lose the other indexes' DESC).

Revision ID: 6c0e2f4b8a17
Revises: d03f920f0746
Create Date: 2026-12-07 17:20:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "6c0e2f4b8a17"
down_revision = "d03f920f0746"
branch_labels = None
depends_on = None

OPEN = "state IN ('registered', 'forwarded', 'handling', 'reported')"
WHERE = {"postgresql": f"is_major IS true AND {OPEN}", "sqlite": f"is_major IS 1 AND {OPEN}"}
ORDER = [sa.text("next_due_at"), sa.text("received_at DESC"), sa.text("id DESC")]
INDEXES = {"ix_complaint_major_open": [], "ix_complaint_member_major_open": ["member_id"]}


def upgrade():
    dialect = op.get_bind().dialect.name
    where = sa.text(WHERE[dialect]) if dialect in WHERE else None
    if dialect == "postgresql":
        with op.get_context().autocommit_block():
            for name, lead in INDEXES.items():
                op.create_index(
                    name,
                    "complaint",
                    [*lead, *ORDER],
                    postgresql_include=["handling_path", "state"],
                    postgresql_where=where,
                    postgresql_concurrently=True,
                    if_not_exists=True,
                )
        return
    for name, lead in INDEXES.items():
        op.create_index(name, "complaint", [*lead, *ORDER], sqlite_where=where)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="complaint")
