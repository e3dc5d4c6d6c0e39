"""Inventory per exchange account: FIFO lots carried across sessions, balance snapshots.

inventory_books holds one row per account (its lots and latest balance snapshot, encrypted);
verifications of one account lock that row, so their lot updates never interleave.
inventory_sessions records each session's place in the account's order and its outcome;
balance_snapshots keeps every snapshot read (registration, after each verification).

Revision ID: 0009_inventory
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ, created_and_updated, serial_id, stamped

revision = "0009_inventory"
down_revision = "0008_console"


def upgrade() -> None:
    op.create_table(
        "inventory_books",
        sa.Column(
            "account_id", sa.String(64), sa.ForeignKey("exchange_accounts.id"), primary_key=True
        ),
        sa.Column("lots_enc", sa.Text, nullable=False),
        sa.Column("balances_enc", sa.Text, nullable=True),
        sa.Column("snapshot_at", TZ, nullable=True),
        sa.Column("registered_at", TZ, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        *created_and_updated(),
    )
    op.create_table(
        "inventory_sessions",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("session_start", TZ, nullable=False),
        sa.Column("session_end", TZ, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("summary_enc", sa.Text, nullable=True),
        sa.Column("lots_if_approved_enc", sa.Text, nullable=True),
        sa.Column("lots_if_rejected_enc", sa.Text, nullable=True),
        *created_and_updated(),
    )
    op.create_index(
        "ix_inventory_sessions_account_order",
        "inventory_sessions",
        ["account_id", "session_start", "event_id"],
    )
    op.create_table(
        "balance_snapshots",
        serial_id(),
        sa.Column("account_id", sa.String(64), nullable=False, index=True),
        sa.Column("taken_at", TZ, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("balances_enc", sa.Text, nullable=False),
        sa.Column("valuation_enc", sa.Text, nullable=True),
        stamped(),
    )


def downgrade() -> None:
    op.drop_table("balance_snapshots")
    op.drop_index("ix_inventory_sessions_account_order", table_name="inventory_sessions")
    op.drop_table("inventory_sessions")
    op.drop_table("inventory_books")
