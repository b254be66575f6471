"""API v1: tokens per system, idempotency keys

``api_token``: a member bank's system, acting as one of the member's users; only the
SHA-256 of the token is kept. Not behind the wall: a request is authenticated by it
before anyone knows whose request it is (like ``user_account``); the application scopes
it by ``member_id`` (``orgs.scoping.member_filter``). ``api_idempotency``: the answers
given to writes sent with an Idempotency-Key, which hold case data: on PostgreSQL behind
the wall through the token's member, like the member's other records (b8d2e6f0a419).

Revision ID: 8b2d4f6a0c31
Revises: 7a1c3e5f9b20
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "8b2d4f6a0c31"
down_revision = "7a1c3e5f9b20"
branch_labels = None
depends_on = None

WALLED = "api_idempotency"
# As b8d2e6f0a419's _member_unit, through the token: the member's unit in the bank's bounds.
THROUGH_TOKEN = (
    "EXISTS (SELECT 1 FROM api_token t JOIN unit u ON u.id = t.member_id"
    " WHERE t.id = token_id"
    " AND u.path >= current_setting('app.scope_low', true) COLLATE \"C\""
    " AND u.path < current_setting('app.scope_high', true) COLLATE \"C\")"
)


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_api_token_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_revoked_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_member_id"), ["member_id"], unique=False)
    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_api_idempotency_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_id"),
    )
    with op.batch_alter_table("api_idempotency", schema=None) as batch_op:
        batch_op.create_index("ix_api_idempotency_created_at", ["created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {WALLED} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON {WALLED} USING ({THROUGH_TOKEN})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {WALLED}")
    with op.batch_alter_table("api_idempotency", schema=None) as batch_op:
        batch_op.drop_index("ix_api_idempotency_created_at")
    op.drop_table("api_idempotency")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_member_id"))
    op.drop_table("api_token")
