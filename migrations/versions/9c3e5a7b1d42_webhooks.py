"""webhooks to member banks' systems, through the outbox

Revision ID: 9c3e5a7b1d42
Revises: 8b2d4f6a0c31
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401

# revision identifiers, used by Alembic.
revision = "9c3e5a7b1d42"
down_revision = "8b2d4f6a0c31"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
