"""Art. 9(3): contingency plans for foreseeable complaints

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: 2bd846f5d58b
Revises: 5a1dd240837e
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "2bd846f5d58b"
down_revision = "5a1dd240837e"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
