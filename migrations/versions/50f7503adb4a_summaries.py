"""Art. 9(4): members' half-year summaries and countermeasures

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: 50f7503adb4a
Revises: 2bd846f5d58b
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "50f7503adb4a"
down_revision = "2bd846f5d58b"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
