"""document numbers of official documents (GB/T 9704-2012)

The register of 发文字号 (``document_number``): one row per numbered document (a
bulletin version, a criticism notice, a letter to the regulator), its sequence unique per
prefix and year. No row names a case or a member (the document is referred to by its own
id), so the table stays outside the tenancy wall, as the bulletins themselves are
published to every member.

Revision ID: e9f0a1b2c3d4
Revises: d8e9f0a1b2c3
Create Date: 2026-12-07 22:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "e9f0a1b2c3d4"
down_revision = "d8e9f0a1b2c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_number_issued_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_number")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_document_number_kind_ref_id"),
        sa.UniqueConstraint("prefix", "year", "seq", name="uq_document_number_prefix_year_seq"),
    )


def downgrade():
    op.drop_table("document_number")
