"""the 75 % line: threshold setting and rectification orders from a rate

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: 671f0e1dc06b
Revises: a757b07b9628
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "671f0e1dc06b"
down_revision = "a757b07b9628"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
