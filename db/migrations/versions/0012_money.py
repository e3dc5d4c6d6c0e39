"""Money exact on every path: each share's terms snapshotted at day 0, the figures that make
it balance (discount granted, refunded, written off), carried losses per currency, refunds.

Revision ID: 0012_money
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import serial_id, stamped

revision = "0012_money"
down_revision = "0011_audit_security"

_SHARE_MONEY = (
    "discount_granted_enc",
    "refunded_enc",
    "written_off_amount_enc",
    "loss_absorbed_enc",
)


def upgrade() -> None:
    # Terms fixed at day 0; NULL on shares recorded before: they keep the brief's figures.
    op.add_column("shares", sa.Column("discount_rate", sa.String(16), nullable=True))
    op.add_column("shares", sa.Column("billing_places", sa.Integer, nullable=True))
    for name in _SHARE_MONEY:
        op.add_column("shares", sa.Column(name, sa.Text, nullable=True))
    # {currency: amount} as one encrypted JSON document; carried_loss_enc stays readable.
    op.add_column("users", sa.Column("carried_losses_enc", sa.Text, nullable=True))
    op.create_table(
        "refunds",
        serial_id(),
        sa.Column("event_id", sa.String(128), sa.ForeignKey("shares.event_id"), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("amount_enc", sa.Text, nullable=False),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("transaction_id", sa.String(128), nullable=True),
        sa.Column("gateway_refund_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note_enc", sa.Text, nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        stamped(),
    )
    op.create_index("ix_refunds_event_id", "refunds", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_refunds_event_id", table_name="refunds")
    op.drop_table("refunds")
    op.drop_column("users", "carried_losses_enc")
    for name in reversed(_SHARE_MONEY):
        op.drop_column("shares", name)
    op.drop_column("shares", "billing_places")
    op.drop_column("shares", "discount_rate")
