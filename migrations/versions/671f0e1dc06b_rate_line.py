"""the 75 % line: threshold setting and rectification orders from a rate

The line below which an on-time rate is marked (``rate_line_setting``, one row, whole
percent; absent: 75), and the evidence of a rectification ordered from a marked rate
(``accountability_rate_evidence``: member, period, step, the counts, the line then; one
per member, period and step). On PostgreSQL the evidence joins the tenancy wall through
its accountability case, like the case's other records (b8d2e6f0a419).

Revision ID: 671f0e1dc06b
Revises: a757b07b9628
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "671f0e1dc06b"
down_revision = "a757b07b9628"
branch_labels = None
depends_on = None

WALLED = "accountability_rate_evidence"
# As b8d2e6f0a419's _through: the parent case's own policy decides.
THROUGH_CASE = "EXISTS (SELECT 1 FROM accountability_case p WHERE p.id = case_id)"


def upgrade():
    op.create_table(
        "rate_line_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_rate_line_setting_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_line_setting")),
    )
    op.create_table(
        "accountability_rate_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("line_percent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["accountability_case.id"],
            name=op.f("fk_accountability_rate_evidence_case_id_accountability_case"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["unit.id"],
            name=op.f("fk_accountability_rate_evidence_member_id_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_rate_evidence")),
        sa.UniqueConstraint("case_id", name=op.f("uq_accountability_rate_evidence_case_id")),
        sa.UniqueConstraint(
            "member_id",
            "period",
            "stage",
            name=op.f("uq_accountability_rate_evidence_member_id"),
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {WALLED} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON {WALLED} USING ({THROUGH_CASE})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {WALLED}")
    op.drop_table("accountability_rate_evidence")
    op.drop_table("rate_line_setting")
