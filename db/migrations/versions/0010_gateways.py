"""Gateways: fixed-window rate-limit counters; payment statuses up to 24 characters.

rate_limit_windows holds one row per limited key (a token, a source address, a gateway) with
the count in its current window: one upsert per request, whatever the limit (the moving
window's row per hit suits only the small proof limit). Payment rows gain the statuses
`pending_confirmation` (a PhonePe v2 hint awaiting Order Status), `confirmed`,
`unconfirmed` and `not_completed`, longer than the old 16 characters.

Revision ID: 0010_gateways
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ

revision = "0010_gateways"
down_revision = "0009_inventory"


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )
    op.alter_column("payments", "status", type_=sa.String(24), existing_nullable=False)


def downgrade() -> None:
    op.alter_column("payments", "status", type_=sa.String(16), existing_nullable=False)
    op.drop_table("rate_limit_windows")
