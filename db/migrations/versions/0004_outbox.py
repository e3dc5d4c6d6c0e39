"""Standing-change outbox for the backend webhooks, and user notifications sent once per stage.

Revision ID: 0004_outbox
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from db.migrations.columns import TZ, serial_id, stamped, user_id

revision = "0004_outbox"
down_revision = "0003_risk"


def upgrade() -> None:
    op.create_table(
        "standing_outbox",
        serial_id(),
        user_id(references_users=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("webhook_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        stamped(),
        sa.Column("delivered_at", TZ),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("user_id", "seq", name="uq_standing_outbox_user_seq"),
    )
    # What the deliverer asks for: a user's rows not yet delivered, in order.
    op.create_index(
        "ix_standing_outbox_undelivered",
        "standing_outbox",
        ["user_id", "seq"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "notifications",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False, index=True),
        user_id(index=True),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("template", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        stamped(),
        sa.Column("sent_at", TZ),
        sa.Column("provider_id", sa.String(128)),
    )


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_index("ix_standing_outbox_undelivered", table_name="standing_outbox")
    op.drop_table("standing_outbox")
