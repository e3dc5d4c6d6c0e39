"""Initial schema: users, exchange accounts, profit events, shares, payments, audit log, tokens.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ, created_and_updated, serial_id, stamped, user_id

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("trust_score", sa.Integer, nullable=False, server_default="50"),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("exempt", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("enforcement_level", sa.Integer, nullable=False, server_default="0"),
        *created_and_updated(),
    )
    op.create_table(
        "exchange_accounts",
        sa.Column("id", sa.String(64), primary_key=True),
        user_id(references_users=True, index=True),
        sa.Column("exchange", sa.String(32), nullable=False),
        sa.Column("api_key_enc", sa.Text, nullable=False),
        sa.Column("api_secret_enc", sa.Text, nullable=False),
        sa.Column("api_key_fingerprint", sa.String(64), nullable=False, index=True),
        stamped(),
    )
    op.create_table(
        "profit_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        user_id(index=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("body_enc", sa.Text, nullable=False),
        stamped("received_at"),
    )
    op.create_table(
        "shares",
        sa.Column(
            "event_id", sa.String(128), sa.ForeignKey("profit_events.event_id"), primary_key=True
        ),
        user_id(index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("billing_currency", sa.String(10)),
        sa.Column("share_rate", sa.String(16)),
        sa.Column("fx_rate", sa.String(32)),
        *[
            sa.Column(name, sa.Text)
            for name in (
                "verified_profit_enc",
                "share_amount_enc",
                "billed_amount_enc",
                "amount_paid_enc",
                "amount_due_enc",
                "credit_enc",
                "verification_enc",
                "review_reasons",
            )
        ],
        sa.Column("reported_profit_enc", sa.Text, nullable=False),
        sa.Column("payment_reference", sa.String(64), unique=True),
        sa.Column("recorded_at", TZ),
        sa.Column("discount_until", TZ),
        sa.Column("due_at", TZ),
        sa.Column("verification_hash", sa.String(64)),
        *created_and_updated(),
    )
    op.create_table(
        "payments",
        serial_id(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("transaction_id", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(128), index=True),
        sa.Column("payment_reference", sa.String(64)),
        sa.Column("amount_enc", sa.Text, nullable=False),
        sa.Column("currency", sa.String(10), nullable=False),
        sa.Column("paid_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        stamped("received_at"),
        sa.Column("signalled_at", TZ),
        sa.Column("applied_at", TZ),
        sa.UniqueConstraint("provider", "transaction_id", name="uq_payment_txn"),
    )
    op.create_table(
        "audit_log",
        serial_id(),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(256), nullable=False, unique=True),
        sa.Column("details_enc", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    # The database itself keeps the audit trail append-only, whoever connects.
    op.execute("""
        CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
    """)
    op.execute("""
        CREATE TRIGGER audit_log_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
    """)
    op.create_table(
        "api_tokens",
        serial_id(),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(128)),
        stamped(),
        sa.Column("revoked_at", TZ),
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_is_append_only()")
    for table in (
        "api_tokens",
        "audit_log",
        "payments",
        "shares",
        "profit_events",
        "exchange_accounts",
        "users",
    ):
        op.drop_table(table)
