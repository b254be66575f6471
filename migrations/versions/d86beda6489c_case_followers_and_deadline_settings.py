"""case followers and deadline settings

Every hand-off reaches its next owner: a user may follow (关注) a case and hear of every
step; the association sets the reply limit of an escalated case, the reminders before a
deadline and who is told when a breach lasts (one row, absent meaning the defaults).
Two new, empty tables: nothing is locked for long.

Revision ID: d86beda6489c
Revises: a9c4e2f7b1d3
Create Date: 2026-12-07 04:43:05.511729

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "d86beda6489c"
down_revision = "a9c4e2f7b1d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_follower",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_case_follower_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_case_follower_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("complaint_id", "user_id", name=op.f("pk_case_follower")),
    )
    with op.batch_alter_table("case_follower", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_follower_user_id"), ["user_id"], unique=False)
    op.create_table(
        "deadline_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalated_reply_days", sa.Integer(), nullable=False),
        sa.Column("reminder_days", sa.String(length=40), nullable=False),
        sa.Column("superior_after_days", sa.Integer(), nullable=False),
        sa.Column("leader_after_days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_deadline_settings_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_settings")),
    )


def downgrade():
    op.drop_table("deadline_settings")
    with op.batch_alter_table("case_follower", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_follower_user_id"))
    op.drop_table("case_follower")
