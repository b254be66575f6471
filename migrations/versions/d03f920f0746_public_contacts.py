"""Art. 4, 5: the association's public contacts and the national number

One row (id 1) holding the service department, its phone (also fax), its e-mail
addresses and the national association's name and number; absent, the portal shows the
regulation's own text (``portal.orgs.contacts.DEFAULT``). Not a bank's data: no wall.

Revision ID: d03f920f0746
Revises: b054f9085dd6
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (kept: autogenerate writes portal.db types)

# revision identifiers, used by Alembic.
revision = "d03f920f0746"
down_revision = "b054f9085dd6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("fax", sa.String(length=40), nullable=True),
        sa.Column("emails", sa.String(length=300), nullable=False),
        sa.Column("national_name", sa.String(length=80), nullable=False),
        sa.Column("national_phone", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("public_contacts")
