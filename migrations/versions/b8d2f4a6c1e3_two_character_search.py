"""two-character search

Chinese keywords and names are mostly two characters, which a trigram index cannot
serve. The names and texts are indexed again with every character doubled (see
``portal.complaints.models.DOUBLED_SEARCH_COLUMNS``), and their plain trigram indexes,
which the search no longer uses, are dropped. PostgreSQL with pg_trgm only (as the
trigram indexes before them); built CONCURRENTLY, outside the migration's transaction,
so the portal keeps writing meanwhile.

Revision ID: b8d2f4a6c1e3
Revises: e5a7c1d9b3f2
Create Date: 2026-11-24 07:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "b8d2f4a6c1e3"
down_revision = "e5a7c1d9b3f2"
branch_labels = None
depends_on = None

COLUMNS = ("complainant_name", "facts", "demand")


def _trigrams(bind) -> bool:
    return bind.dialect.name == "postgresql" and bool(
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    )


def upgrade():
    if not _trigrams(op.get_bind()):
        return
    with op.get_context().autocommit_block():
        for column in COLUMNS:
            op.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_complaint_{column}_doubled_trgm "
                f"ON complaint USING gin "
                f"(regexp_replace({column}, '(.)', '\\1\\1', 'g') gin_trgm_ops)"
            )
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS ix_complaint_{column}_trgm")


def downgrade():
    if not _trigrams(op.get_bind()):
        return
    with op.get_context().autocommit_block():
        for column in COLUMNS:
            op.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_complaint_{column}_trgm "
                f"ON complaint USING gin ({column} gin_trgm_ops)"
            )
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS ix_complaint_{column}_doubled_trgm")
