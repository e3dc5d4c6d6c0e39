"""What the product brief asks beyond the ladder: screenshots and checks on payment proofs,
email screening, versioned terms and consents, per-user data keys (erasure by crypto-shredding)
and dismissed risk findings.

Revision ID: 0013_brief
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from db.migrations.columns import TZ, serial_id, stamped, user_id

revision = "0013_brief"
down_revision = "0012_money"


def upgrade() -> None:
    # Proofs: what the checks found, the screenshot (under the user's data key) and who sent it.
    op.add_column("payment_proofs", sa.Column("checks", JSONB, nullable=True))
    op.add_column("payment_proofs", sa.Column("screenshot_enc", sa.Text))
    op.add_column("payment_proofs", sa.Column("screenshot_type", sa.String(16)))
    op.add_column("payment_proofs", sa.Column("ip_enc", sa.Text))
    op.add_column("payment_proofs", sa.Column("device_fingerprint", sa.String(256)))
    op.add_column("payment_proofs", sa.Column("flagged_at", TZ))
    op.add_column("payment_proofs", sa.Column("flag_note", sa.Text))
    op.add_column("payment_proofs", sa.Column("risk_decision_id", sa.BigInteger))
    # Risk decisions: the email under the user's data key, its domain's kind in the clear.
    op.add_column("risk_decisions", sa.Column("email_enc", sa.Text))
    op.add_column("users", sa.Column("erased_at", TZ))
    # When the event's IP, device and email were cleared (erasure or retention).
    op.add_column("profit_events", sa.Column("personal_cleared_at", TZ))
    op.create_table(
        "user_keys",
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("key_enc", sa.Text, nullable=False),
        stamped(),
    )
    op.create_table(
        "terms",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("effective_at", TZ, nullable=False),
        sa.Column("set_by", sa.String(160), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
    )
    op.create_table(
        "consents",
        serial_id(),
        user_id(),
        sa.Column("terms_version", sa.String(64), sa.ForeignKey("terms.version"), nullable=False),
        sa.Column("accepted_at", TZ, nullable=False),
        sa.Column("ip_enc", sa.Text),
        sa.Column("user_agent_enc", sa.Text),
        stamped("recorded_at"),
        sa.UniqueConstraint("user_id", "terms_version", name="uq_consent_user_version"),
    )
    op.create_index("ix_consents_user_id", "consents", ["user_id"])
    op.create_table(
        "risk_dismissals",
        serial_id(),
        user_id(),
        sa.Column("device_fingerprint", sa.String(256), nullable=False),
        sa.Column("dismissed_by", sa.String(160), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("at", TZ, nullable=False),
        sa.UniqueConstraint("user_id", "device_fingerprint", name="uq_dismissal_user_device"),
    )


def downgrade() -> None:
    op.drop_table("risk_dismissals")
    op.drop_index("ix_consents_user_id", table_name="consents")
    op.drop_table("consents")
    op.drop_table("terms")
    op.drop_table("user_keys")
    op.drop_column("profit_events", "personal_cleared_at")
    op.drop_column("users", "erased_at")
    op.drop_column("risk_decisions", "email_enc")
    for column in (
        "risk_decision_id",
        "flag_note",
        "flagged_at",
        "device_fingerprint",
        "ip_enc",
        "screenshot_type",
        "screenshot_enc",
        "checks",
    ):
        op.drop_column("payment_proofs", column)
