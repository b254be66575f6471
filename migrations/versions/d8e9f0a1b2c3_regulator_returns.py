"""regulator returns (监管报送): a period's frozen versions and their downloads

Figures only, no case and no member column: outside the tenancy wall, like
``published_figures`` (the association's screens alone read them).

Revision ID: d8e9f0a1b2c3
Revises: c7d8e9f0a1b2
Create Date: 2026-12-07 22:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "d8e9f0a1b2c3"
down_revision = "c7d8e9f0a1b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "regulator_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("unfinished", sa.Boolean(), nullable=False),
        sa.Column("code_version", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.Column("csv_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_regulator_return_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["regulator_return.id"],
            name=op.f("fk_regulator_return_supersedes_id_regulator_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_return")),
        sa.UniqueConstraint("period", "version", name="uq_regulator_return_version"),
    )
    op.create_table(
        "regulator_return_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["regulator_return.id"],
            name=op.f("fk_regulator_return_download_return_id_regulator_return"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_regulator_return_download_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_return_download")),
    )
    op.create_index(
        "ix_regulator_return_download_return", "regulator_return_download", ["return_id"]
    )


def downgrade():
    op.drop_index("ix_regulator_return_download_return", table_name="regulator_return_download")
    op.drop_table("regulator_return_download")
    op.drop_table("regulator_return")
