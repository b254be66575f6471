"""the complainant's side: rate windows, /track look-ups, online return visits

``rate_window``: attempts per key and fixed window (``portal.web.rate_limit``), shared
by every app server; no case data, no wall. ``track_lookup``: each look-up of the public
status page (/track); ``return_visit_link``: the one-time links of the online return
visit (stored hashed). Both belong to a case: on PostgreSQL they join the wall of
migration b8d2e6f0a419 through their complaint. A look-up that found nothing names no
complaint: only a wall open to every bank (the association, the public page's own
``across_banks``) reaches it.

Revision ID: 7a1c3e5f9b20
Revises: 6c0e2f4b8a17
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7a1c3e5f9b20"
down_revision = "6c0e2f4b8a17"
branch_labels = None
depends_on = None

# As b8d2e6f0a419's ``_through``: the complaint's own policy decides.
THROUGH_COMPLAINT = "EXISTS (SELECT 1 FROM complaint p WHERE p.id = complaint_id)"
WALL = {
    "track_lookup": (
        "CASE WHEN complaint_id IS NULL"
        " THEN current_setting('app.scope_high', true) = '~'"
        f" ELSE {THROUGH_COMPLAINT} END"
    ),
    "return_visit_link": THROUGH_COMPLAINT,
}


def upgrade():
    op.create_table(
        "rate_window",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_window")),
    )
    op.create_table(
        "track_lookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("tracking_no", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_track_lookup_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_lookup")),
    )
    op.create_index(op.f("ix_track_lookup_at"), "track_lookup", ["at"], unique=False)
    op.create_index(
        "ix_track_lookup_complaint_at", "track_lookup", ["complaint_id", "at"], unique=False
    )
    op.create_table(
        "return_visit_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sms_sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sms_error", sa.String(length=200), nullable=True),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_return_visit_link_complaint_id_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_return_visit_link_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_visit_link")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_return_visit_link_complaint_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_return_visit_link_token_hash")),
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
    op.drop_table("return_visit_link")
    op.drop_index("ix_track_lookup_complaint_at", table_name="track_lookup")
    op.drop_index(op.f("ix_track_lookup_at"), table_name="track_lookup")
    op.drop_table("track_lookup")
    op.drop_table("rate_window")
