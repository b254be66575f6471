"""one open bulletin draft per period

A partial unique index on bulletin.period for drafts: two "new draft" requests for the
same period at the same instant can no longer both save one (published versions are
many per period and stay unconstrained). The bulletin table holds a few rows a year, so
the index is built in place.

Revision ID: 78c78d81865d
Revises: a464c33f43fb
Create Date: 2026-11-24 04:22:19.949116

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "78c78d81865d"
down_revision = "a464c33f43fb"
branch_labels = None
depends_on = None

DRAFTS = sa.text("state = 'draft'")


def upgrade():
    doubled = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT period FROM bulletin WHERE state = 'draft' GROUP BY period HAVING count(*) > 1"
            )
        )
        .scalars()
        .all()
    )
    if doubled:
        raise RuntimeError(
            f"bulletin periods with more than one draft: {', '.join(sorted(doubled))}; "
            "delete the extra drafts, then upgrade again; nothing was changed"
        )
    with op.batch_alter_table("bulletin", schema=None) as batch_op:
        batch_op.create_index(
            "uq_bulletin_open_draft",
            ["period"],
            unique=True,
            postgresql_where=DRAFTS,
            sqlite_where=DRAFTS,
        )


def downgrade():
    with op.batch_alter_table("bulletin", schema=None) as batch_op:
        batch_op.drop_index("uq_bulletin_open_draft", postgresql_where=DRAFTS, sqlite_where=DRAFTS)
