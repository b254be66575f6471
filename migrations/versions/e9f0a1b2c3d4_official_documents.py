"""document numbers of official documents (GB/T 9704-2012) (placeholder: filled by the work on issue 25 that owns it)

Revision ID: e9f0a1b2c3d4
Revises: d8e9f0a1b2c3
Create Date: 2026-12-07 22:40:00

"""

revision = "e9f0a1b2c3d4"
down_revision = "d8e9f0a1b2c3"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
