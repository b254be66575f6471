"""major complaints (重大投诉): criteria proposals and confirmations

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: 5a1dd240837e
Revises: 671f0e1dc06b
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "5a1dd240837e"
down_revision = "671f0e1dc06b"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
