"""member complaint profiles, contact reports, A/B duty pairs and absences

Art. 6: each member reports its leader in charge of complaints, its responsible
department and its handlers; every change is an append-only contact report dated by
the server. Art. 7: handler A and handler B per accepting unit, and the handlers'
absences (cancelled, never deleted).

Revision ID: beb0bfa848a2
Revises: 9806c6b0d160
Create Date: 2026-11-23 22:17:50.873256

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "beb0bfa848a2"
down_revision = "9806c6b0d160"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_absence_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["user_account.id"],
            name=op.f("fk_absence_cancelled_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user_account.id"],
            name=op.f("fk_absence_entered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_absence_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index("ix_absence_user_ends", ["user_id", "ends_at"], unique=False)

    op.create_table(
        "contact_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=160), nullable=False),
        sa.Column("reported_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_contact_report_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["user_account.id"],
            name=op.f("fk_contact_report_reported_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["user_account.id"],
            name=op.f("fk_contact_report_subject_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_contact_report_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_report")),
    )
    with op.batch_alter_table("contact_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_report_member_reported", ["member_id", "reported_at"], unique=False
        )
        batch_op.create_index("ix_contact_report_reported_at", ["reported_at"], unique=False)

    op.create_table(
        "duty_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("handler_a_id", sa.Integer(), nullable=False),
        sa.Column("handler_b_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "handler_a_id <> handler_b_id", name=op.f("ck_duty_pair_a_differs_from_b")
        ),
        sa.ForeignKeyConstraint(
            ["handler_a_id"],
            ["user_account.id"],
            name=op.f("fk_duty_pair_handler_a_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["handler_b_id"],
            ["user_account.id"],
            name=op.f("fk_duty_pair_handler_b_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_duty_pair_member_id_unit")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_duty_pair_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_pair")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_duty_pair_unit_id")),
    )
    with op.batch_alter_table("duty_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_pair_member_id"), ["member_id"], unique=False)

    op.create_table(
        "member_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("leader_name", sa.String(length=60), nullable=False),
        sa.Column("leader_title", sa.String(length=60), nullable=True),
        sa.Column("leader_work_phone", sa.String(length=40), nullable=True),
        sa.Column("leader_mobile", sa.String(length=20), nullable=True),
        sa.Column("leader_email", sa.String(length=120), nullable=True),
        sa.Column("leader_user_id", sa.Integer(), nullable=True),
        sa.Column("department_name", sa.String(length=120), nullable=False),
        sa.Column("department_phone", sa.String(length=40), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_user_id"],
            ["user_account.id"],
            name=op.f("fk_member_profile_leader_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_member_profile_member_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_profile")),
        sa.UniqueConstraint("member_id", name=op.f("uq_member_profile_member_id")),
    )


def downgrade():
    op.drop_table("member_profile")
    with op.batch_alter_table("duty_pair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_pair_member_id"))

    op.drop_table("duty_pair")
    with op.batch_alter_table("contact_report", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_report_reported_at")
        batch_op.drop_index("ix_contact_report_member_reported")

    op.drop_table("contact_report")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index("ix_absence_user_ends")

    op.drop_table("absence")
