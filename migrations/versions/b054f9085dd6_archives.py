"""Art. 8(6), 9(5), 10(3): case dossiers, archive numbers, retention

(Placeholder in the issue-23 chain; its owner fills in upgrade and downgrade.)

Revision ID: b054f9085dd6
Revises: 50f7503adb4a
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "b054f9085dd6"
down_revision = "50f7503adb4a"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
