"""small pending lists for the search indexes

A GIN index first appends new entries to a pending list, which every search reads
whole, until a vacuum or the list's size limit (4 MB by default) moves them into the
index. Every step of a case updates its row and so adds its texts' trigrams there:
after some 9,000 updates since the last vacuum, a free-text search at a million
complaints took 40 ms instead of 17. A 128 kB limit keeps what a search reads small;
the write that fills a list moves it into the index (a few milliseconds, now and then).
PostgreSQL with pg_trgm only, where the trigram indexes exist. Changing the setting
locks out neither reads nor writes.

Revision ID: f4c2a8b61d07
Revises: b8d2f4a6c1e3
Create Date: 2026-11-24 09:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "f4c2a8b61d07"
down_revision = "b8d2f4a6c1e3"
branch_labels = None
depends_on = None

INDEXES = (
    "ix_complaint_tracking_no_trgm",
    "ix_complaint_complainant_name_doubled_trgm",
    "ix_complaint_facts_doubled_trgm",
    "ix_complaint_demand_doubled_trgm",
)
PENDING_LIST_KB = 128  # as portal.complaints.models.SEARCH_PENDING_LIST_KB


def _trigrams(bind) -> bool:
    return bind.dialect.name == "postgresql" and bool(
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    )


def upgrade():
    if not _trigrams(op.get_bind()):
        return
    for index in INDEXES:
        op.execute(
            f"ALTER INDEX IF EXISTS {index} SET (gin_pending_list_limit = {PENDING_LIST_KB})"
        )


def downgrade():
    if not _trigrams(op.get_bind()):
        return
    for index in INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {index} RESET (gin_pending_list_limit)")
