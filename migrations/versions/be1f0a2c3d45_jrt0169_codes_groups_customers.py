"""JR/T 0169-2018 codes on complaints, their versioned list and the crosswalk from
categories; institution groups on members; members' personal-customer reports

``customer_report`` names a member: on PostgreSQL it joins the tenancy wall by its
member, like the member's profile (b8d2e6f0a419).

Revision ID: be1f0a2c3d45
Revises: ad4e6f8a0b53
Create Date: 2026-12-07 22:12:16.773351

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# As b8d2e6f0a419's _member_unit: the member's unit lies in the request's bank.
IN_BANK = (
    "EXISTS (SELECT 1 FROM unit u WHERE u.id = member_id"
    " AND u.path >= current_setting('app.scope_low', true) COLLATE \"C\""
    " AND u.path < current_setting('app.scope_high', true) COLLATE \"C\")"
)

# revision identifiers, used by Alembic.
revision = "be1f0a2c3d45"
down_revision = "ad4e6f8a0b53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_code",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code_b", sa.String(length=16), nullable=False),
        sa.Column("code_c", sa.String(length=16), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["complaint_category.id"],
            name=op.f("fk_category_code_category_id_complaint_category"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_category_code_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_category_code")),
    )
    op.create_table(
        "code_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_code_version_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_version")),
        sa.UniqueConstraint("number", name=op.f("uq_code_version_number")),
    )
    op.create_table(
        "customer_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("personal_customers", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reported_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("personal_customers >= 0", name=op.f("ck_customer_report_count")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_customer_report_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
            name=op.f("fk_customer_report_reported_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_report")),
    )
    with op.batch_alter_table("customer_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_report_member_as_of", ["member_id", "as_of"], unique=False
        )

    op.create_table(
        "code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("axis", sa.String(length=1), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=16), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["code_version.id"], name=op.f("fk_code_version_id_code_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code")),
        sa.UniqueConstraint("version_id", "code", name="uq_code_version_code"),
    )
    op.add_column("complaint", sa.Column("code_a", sa.String(length=16), nullable=True))
    op.add_column("complaint", sa.Column("code_b", sa.String(length=16), nullable=True))
    op.add_column("complaint", sa.Column("code_c", sa.String(length=16), nullable=True))

    op.add_column("unit", sa.Column("institution_group", sa.String(length=20), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customer_report ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON customer_report USING ({IN_BANK})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_wall ON customer_report")
    op.drop_column("unit", "institution_group")

    op.drop_column("complaint", "code_c")
    op.drop_column("complaint", "code_b")
    op.drop_column("complaint", "code_a")

    op.drop_table("code")
    with op.batch_alter_table("customer_report", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_report_member_as_of")

    op.drop_table("customer_report")
    op.drop_table("code_version")
    op.drop_table("category_code")
