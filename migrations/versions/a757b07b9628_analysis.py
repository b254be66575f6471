"""Art. 8(5): cluster and surge findings, typical cases, industry advice

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: a757b07b9628
Revises: e1f5a3c7b902
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "a757b07b9628"
down_revision = "e1f5a3c7b902"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
