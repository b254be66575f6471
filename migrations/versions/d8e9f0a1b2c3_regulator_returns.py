"""regulator returns (监管报送) (placeholder: filled by the work on issue 25 that owns it)

Revision ID: d8e9f0a1b2c3
Revises: c7d8e9f0a1b2
Create Date: 2026-12-07 22:40:00

"""

revision = "d8e9f0a1b2c3"
down_revision = "c7d8e9f0a1b2"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
