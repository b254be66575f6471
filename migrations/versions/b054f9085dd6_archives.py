"""Art. 8(6), 9(5), 10(3): case dossiers, archive numbers, retention

``case_archive``: a closed case's archive number (given once, at its first closure) and
when its personal data was erased. ``case_dossier``: each issued version of its dossier,
the PDF and the zip with their SHA-256, frozen once rendered. Both hold a bank's data:
on PostgreSQL they join the tenancy wall of migration b8d2e6f0a419 through their
complaint (a dossier is seen by whoever sees the case). ``archive_counter``: the last
number per year of closure; ``archive_settings``: the retention period, one row.

Revision ID: b054f9085dd6
Revises: 50f7503adb4a
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)
from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b054f9085dd6"
down_revision = "50f7503adb4a"
branch_labels = None
depends_on = None

# As b8d2e6f0a419's ``_through("complaint", "complaint_id")``: the complaint's policy decides.
WALL = "EXISTS (SELECT 1 FROM complaint p WHERE p.id = complaint_id)"
WALLED = ("case_archive", "case_dossier")
DUE = sa.text("state = 'due'")


def upgrade():
    op.create_table(
        "archive_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_archive_counter")),
    )
    op.create_table(
        "archive_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_archive_settings_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_settings")),
    )
    op.create_table(
        "case_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("archive_no", sa.String(length=20), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_case_archive_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_archive")),
        sa.UniqueConstraint("archive_no", name=op.f("uq_case_archive_archive_no")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_case_archive_complaint_id")),
    )
    op.create_index(op.f("ix_case_archive_closed_at"), "case_archive", ["closed_at"])
    op.create_table(
        "case_dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("frozen_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_size", sa.Integer(), nullable=True),
        sa.Column("zip", sa.LargeBinary(), nullable=True),
        sa.Column("zip_sha256", sa.String(length=64), nullable=True),
        sa.Column("zip_size", sa.Integer(), nullable=True),
        sa.Column("attachment_count", sa.Integer(), nullable=True),
        sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_case_dossier_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_dossier")),
        sa.UniqueConstraint("complaint_id", "version", name="uq_case_dossier_version"),
    )
    op.create_index(op.f("ix_case_dossier_complaint_id"), "case_dossier", ["complaint_id"])
    op.create_index(op.f("ix_case_dossier_closed_on"), "case_dossier", ["closed_on"])
    op.create_index(
        "ix_case_dossier_due", "case_dossier", ["id"], postgresql_where=DUE, sqlite_where=DUE
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in WALLED:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_wall ON {table} USING ({WALL})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WALLED:
            op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_case_dossier_due", table_name="case_dossier")
    op.drop_index(op.f("ix_case_dossier_closed_on"), table_name="case_dossier")
    op.drop_index(op.f("ix_case_dossier_complaint_id"), table_name="case_dossier")
    op.drop_table("case_dossier")
    op.drop_index(op.f("ix_case_archive_closed_at"), table_name="case_archive")
    op.drop_table("case_archive")
    op.drop_table("archive_settings")
    op.drop_table("archive_counter")
