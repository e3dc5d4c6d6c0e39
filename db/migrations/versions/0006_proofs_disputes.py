"""Manual payment proofs, disputes, closing without payment, flagged payments, rate limits.

Revision ID: 0006_proofs_disputes
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ, serial_id, stamped, user_id

revision = "0006_proofs_disputes"
down_revision = "0005_reports"


def upgrade() -> None:
    op.add_column("shares", sa.Column("waived_amount_enc", sa.Text))
    op.add_column("shares", sa.Column("closed_reason", sa.String(32)))
    op.add_column("shares", sa.Column("payment_link_url", sa.Text))
    op.add_column("payments", sa.Column("flagged_at", TZ))
    op.add_column("payments", sa.Column("flag_note", sa.Text))
    op.create_table(
        "payment_proofs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(128), sa.ForeignKey("shares.event_id"), nullable=False),
        user_id(),
        sa.Column("transaction_id", sa.String(128), nullable=False, unique=True),
        sa.Column("amount_enc", sa.Text, nullable=False),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("paid_at", TZ, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("note_enc", sa.Text),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", TZ),
        sa.Column("signalled_at", TZ),
        stamped("submitted_at"),
    )
    op.create_index("ix_payment_proofs_event_id", "payment_proofs", ["event_id"])
    op.create_index("ix_payment_proofs_user_id", "payment_proofs", ["user_id"])
    op.create_table(
        "disputes",
        sa.Column("event_id", sa.String(128), sa.ForeignKey("shares.event_id"), primary_key=True),
        sa.Column("reason_enc", sa.Text, nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("note_enc", sa.Text),
        sa.Column("resolved_at", TZ),
        sa.Column("signalled_at", TZ),
    )
    op.create_table(
        "rate_limit_hits",
        serial_id(),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_rate_limit_hits_key", "rate_limit_hits", ["key"])
    op.create_index("ix_rate_limit_hits_expires_at", "rate_limit_hits", ["expires_at"])


def downgrade() -> None:
    op.drop_table("rate_limit_hits")
    op.drop_table("disputes")
    op.drop_table("payment_proofs")
    op.drop_column("payments", "flag_note")
    op.drop_column("payments", "flagged_at")
    op.drop_column("shares", "payment_link_url")
    op.drop_column("shares", "closed_reason")
    op.drop_column("shares", "waived_amount_enc")
