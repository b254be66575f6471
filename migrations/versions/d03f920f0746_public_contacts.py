"""Art. 4, 5: the association's public contacts and the national number

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: d03f920f0746
Revises: b054f9085dd6
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "d03f920f0746"
down_revision = "b054f9085dd6"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
