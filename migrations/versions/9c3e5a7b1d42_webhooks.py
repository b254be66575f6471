"""webhooks to member banks' systems, through the outbox

A member's endpoints (``webhook_endpoint``: URL, events, the signing secret encrypted,
active or paused); the outbox carries webhooks beside e-mail (``channel``, and the
webhook's signed ``headers``), so that they are retried, given up and sent again alike.
On PostgreSQL the endpoints join the tenancy wall by their member, like the member's
profile (b8d2e6f0a419).

Revision ID: 9c3e5a7b1d42
Revises: 8b2d4f6a0c31
Create Date: 2026-12-07 18:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.db

# revision identifiers, used by Alembic.
revision = "9c3e5a7b1d42"
down_revision = "8b2d4f6a0c31"
branch_labels = None
depends_on = None

# As b8d2e6f0a419's _member_unit: the member's unit lies in the request's bank.
IN_BANK = (
    "EXISTS (SELECT 1 FROM unit u WHERE u.id = member_id"
    " AND u.path >= current_setting('app.scope_low', true) COLLATE \"C\""
    " AND u.path < current_setting('app.scope_high', true) COLLATE \"C\")"
)


def upgrade():
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("secret_made_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["unit.id"], name=op.f("fk_webhook_endpoint_member_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_webhook_endpoint_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        op.f("ix_webhook_endpoint_member_id"), "webhook_endpoint", ["member_id"], unique=False
    )
    op.add_column(
        "outbox_message",
        sa.Column("channel", sa.String(length=10), nullable=False, server_default="mail"),
    )
    op.add_column("outbox_message", sa.Column("headers", sa.JSON(), nullable=True))
    op.create_index(
        "ix_outbox_message_channel_id", "outbox_message", ["channel", "id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE webhook_endpoint ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON webhook_endpoint USING ({IN_BANK})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_wall ON webhook_endpoint")
        op.execute("ALTER TABLE webhook_endpoint DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_outbox_message_channel_id", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("headers")
        batch.drop_column("channel")
    op.drop_index(op.f("ix_webhook_endpoint_member_id"), table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
