"""API v1: tokens per system, idempotency keys

Revision ID: 8b2d4f6a0c31
Revises: 7a1c3e5f9b20
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401

# revision identifiers, used by Alembic.
revision = "8b2d4f6a0c31"
down_revision = "7a1c3e5f9b20"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
