"""covering index for the regulator's breakdowns of a period (issue 25)

The regulator's figures (``portal.statistics.regulator``) read a period's and the
previous period's valid complaints by member, by JR/T 0169-2018 code (A, B, C) and by
institution group. On PostgreSQL one index on the date of receipt carrying exactly those
columns serves every breakdown by an index-only range scan: member, state (valid or
not), the three codes, the category (the crosswalk for cases coded before the codes)
and the handling path (the reader's scope). ix_complaint_received_on (cd598cf3b392)
carries more columns but not the codes. Built CONCURRENTLY, as ad4e6f8a0b53: a big
table stays writable meanwhile. SQLite has no INCLUDE: nothing to build there (its
plans read ix_complaint_received_on and the rows).

Revision ID: c7d8e9f0a1b2
Revises: be1f0a2c3d45
Create Date: 2026-12-07 22:40:00

"""

from alembic import op

revision = "c7d8e9f0a1b2"
down_revision = "be1f0a2c3d45"
branch_labels = None
depends_on = None

NAME = "ix_complaint_received_codes"
INCLUDE = ["member_id", "state", "code_a", "code_b", "code_c", "category_id", "handling_path"]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.create_index(
            NAME,
            "complaint",
            ["received_on"],
            postgresql_include=INCLUDE,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="complaint", postgresql_concurrently=True, if_exists=True)
