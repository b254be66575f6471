"""covering indexes for the regulator's breakdowns (placeholder: filled by the work on issue 25 that owns it)

Revision ID: c7d8e9f0a1b2
Revises: be1f0a2c3d45
Create Date: 2026-12-07 22:40:00

"""

revision = "c7d8e9f0a1b2"
down_revision = "be1f0a2c3d45"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
