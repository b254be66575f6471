"""Art. 8(5): cluster and surge findings, typical cases, industry advice

The association's analysis (``portal.analysis``): thresholds, runs, findings with their
cases and append-only history, and the industry advice (建议) with its addressed members
and their append-only follow-up. On PostgreSQL the tables naming a member bank or a case
join the row-level wall (as migration b8d2e6f0a419 does): a member's request reads only
the advice addressed to it; a finding with no member (a rise across members) and an
advice being written are reachable by the association's wall, open to every bank.

Revision ID: a757b07b9628
Revises: e1f5a3c7b902
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "a757b07b9628"
down_revision = "e1f5a3c7b902"
branch_labels = None
depends_on = None


def _in_bank(path: str) -> str:
    return (
        f"({path} >= current_setting('app.scope_low', true) COLLATE \"C\""
        f" AND {path} < current_setting('app.scope_high', true) COLLATE \"C\")"
    )


def _member_unit(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM unit u WHERE u.id = {column} AND {_in_bank('u.path')})"


def _through(table: str, column: str) -> str:
    # The parent row's own policy decides (policies apply inside policies).
    return f"EXISTS (SELECT 1 FROM {table} p WHERE p.id = {column})"


# The wall open to every bank (the association, the jobs): bounds around every path.
_ALL_BANKS = (
    "(current_setting('app.scope_low', true) = ''"
    " AND current_setting('app.scope_high', true) = '~')"
)

# table -> the condition a row must meet
WALL = {
    "analysis_finding": f"({_member_unit('member_id')} OR {_ALL_BANKS})",
    "analysis_finding_case": _through("complaint", "complaint_id"),
    "analysis_finding_event": _through("analysis_finding", "finding_id"),
    "analysis_advice": (
        "(EXISTS (SELECT 1 FROM analysis_advice_addressee a"
        f" WHERE a.advice_id = analysis_advice.id) OR {_ALL_BANKS})"
    ),
    "analysis_advice_addressee": _member_unit("member_id"),
    "analysis_advice_entry": _member_unit("member_id"),
}


def upgrade():
    op.create_table(
        "analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_analysis_run_actor_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_run")),
    )
    op.create_index(op.f("ix_analysis_run_period"), "analysis_run", ["period"], unique=False)
    op.create_table(
        "analysis_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_count", sa.Integer(), nullable=False),
        sa.Column("cluster_weeks", sa.Integer(), nullable=False),
        sa.Column("surge_percent", sa.Integer(), nullable=False),
        sa.Column("surge_minimum", sa.Integer(), nullable=False),
        sa.Column("rise_members", sa.Integer(), nullable=False),
        sa.Column("rise_minimum", sa.Integer(), nullable=False),
        sa.Column("repeat_chain", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_analysis_settings_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_settings")),
    )
    op.create_table(
        "analysis_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("holds", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("found_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("is_typical", sa.Boolean(), nullable=False),
        sa.Column("typical_case_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["complaint_category.id"],
            name=op.f("fk_analysis_finding_category_id_complaint_category"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_analysis_finding_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_analysis_finding_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["unit.id"], name=op.f("fk_analysis_finding_outlet_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["typical_case_id"],
            ["complaint.id"],
            name=op.f("fk_analysis_finding_typical_case_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_finding")),
        sa.UniqueConstraint("key", name=op.f("uq_analysis_finding_key")),
    )
    op.create_index(
        op.f("ix_analysis_finding_member_id"), "analysis_finding", ["member_id"], unique=False
    )
    op.create_index(
        "ix_analysis_finding_period_status", "analysis_finding", ["period", "status"], unique=False
    )
    op.create_table(
        "analysis_advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["analysis_finding.id"],
            name=op.f("fk_analysis_advice_finding_id_analysis_finding"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_analysis_advice_issued_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_advice")),
    )
    op.create_index(
        op.f("ix_analysis_advice_finding_id"), "analysis_advice", ["finding_id"], unique=False
    )
    op.create_index(op.f("ix_analysis_advice_period"), "analysis_advice", ["period"], unique=False)
    op.create_table(
        "analysis_finding_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("added_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_analysis_finding_case_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["analysis_finding.id"],
            name=op.f("fk_analysis_finding_case_finding_id_analysis_finding"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_finding_case")),
        sa.UniqueConstraint(
            "finding_id", "complaint_id", name=op.f("uq_analysis_finding_case_finding_id")
        ),
    )
    op.create_index(
        op.f("ix_analysis_finding_case_finding_id"),
        "analysis_finding_case",
        ["finding_id"],
        unique=False,
    )
    op.create_table(
        "analysis_finding_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_analysis_finding_event_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["analysis_finding.id"],
            name=op.f("fk_analysis_finding_event_finding_id_analysis_finding"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_finding_event")),
    )
    op.create_index(
        op.f("ix_analysis_finding_event_finding_id"),
        "analysis_finding_event",
        ["finding_id"],
        unique=False,
    )
    op.create_table(
        "analysis_advice_addressee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answered_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_id"],
            ["analysis_advice.id"],
            name=op.f("fk_analysis_advice_addressee_advice_id_analysis_advice"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_analysis_advice_addressee_member_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_advice_addressee")),
        sa.UniqueConstraint(
            "advice_id", "member_id", name=op.f("uq_analysis_advice_addressee_advice_id")
        ),
    )
    op.create_index(
        op.f("ix_analysis_advice_addressee_member_id"),
        "analysis_advice_addressee",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "analysis_advice_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_analysis_advice_entry_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["advice_id"],
            ["analysis_advice.id"],
            name=op.f("fk_analysis_advice_entry_advice_id_analysis_advice"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_analysis_advice_entry_member_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_advice_entry")),
    )
    op.create_index(
        op.f("ix_analysis_advice_entry_advice_id"),
        "analysis_advice_entry",
        ["advice_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, condition in WALL.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING ({condition})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WALL:
            op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_index(op.f("ix_analysis_advice_entry_advice_id"), table_name="analysis_advice_entry")
    op.drop_table("analysis_advice_entry")
    op.drop_index(
        op.f("ix_analysis_advice_addressee_member_id"), table_name="analysis_advice_addressee"
    )
    op.drop_table("analysis_advice_addressee")
    op.drop_index(op.f("ix_analysis_finding_event_finding_id"), table_name="analysis_finding_event")
    op.drop_table("analysis_finding_event")
    op.drop_index(op.f("ix_analysis_finding_case_finding_id"), table_name="analysis_finding_case")
    op.drop_table("analysis_finding_case")
    op.drop_index(op.f("ix_analysis_advice_period"), table_name="analysis_advice")
    op.drop_index(op.f("ix_analysis_advice_finding_id"), table_name="analysis_advice")
    op.drop_table("analysis_advice")
    op.drop_index("ix_analysis_finding_period_status", table_name="analysis_finding")
    op.drop_index(op.f("ix_analysis_finding_member_id"), table_name="analysis_finding")
    op.drop_table("analysis_finding")
    op.drop_table("analysis_settings")
    op.drop_index(op.f("ix_analysis_run_period"), table_name="analysis_run")
    op.drop_table("analysis_run")
