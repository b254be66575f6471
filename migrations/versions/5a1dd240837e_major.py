"""major complaints (重大投诉): criteria proposals and confirmations

``major_proposal``: what the rules propose (portal/major/rules.py), one per complaint,
with its reasons and the person's decision. It holds a bank's data: on PostgreSQL it
joins the tenancy wall of migration b8d2e6f0a419 through its complaint (a proposal is
seen by whoever sees the case). ``major_settings``: the rules' thresholds, one row.

Revision ID: 5a1dd240837e
Revises: 671f0e1dc06b
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "5a1dd240837e"
down_revision = "671f0e1dc06b"
branch_labels = None
depends_on = None

# As b8d2e6f0a419's ``_through``: the complaint's own policy decides.
WALL = "EXISTS (SELECT 1 FROM complaint p WHERE p.id = complaint_id)"


def upgrade():
    op.create_table(
        "major_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_major_proposal_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_major_proposal_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_major_proposal")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_major_proposal_complaint_id")),
    )
    op.create_index("ix_major_proposal_state", "major_proposal", ["state", "proposed_at"])
    op.create_table(
        "major_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("complainants", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_major_settings_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_major_settings")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE major_proposal ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON major_proposal USING ({WALL})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_wall ON major_proposal")
        op.execute("ALTER TABLE major_proposal DISABLE ROW LEVEL SECURITY")
    op.drop_table("major_settings")
    op.drop_index("ix_major_proposal_state", table_name="major_proposal")
    op.drop_table("major_proposal")
