"""Fraud and risk: devices seen per user, every risk decision, versioned fraud settings.

Revision ID: 0003_risk
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from db.migrations.columns import TZ, serial_id, user_id

revision = "0003_risk"
down_revision = "0002"


def _at(name: str) -> sa.Column:
    return sa.Column(name, TZ, nullable=False)


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("fingerprint", sa.String(256), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True, index=True),
        _at("first_seen"),
        _at("last_seen"),
    )
    op.create_table(
        "risk_decisions",
        serial_id(),
        _at("at"),
        user_id(),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("reasons_enc", sa.Text, nullable=False),
        sa.Column("linked_users", JSONB, nullable=False),
        sa.Column("ip_enc", sa.Text),
        sa.Column("ip_hash", sa.String(32)),
        sa.Column("device_fingerprint", sa.String(256)),
        sa.Column("api_key_fingerprint", sa.String(64)),
        sa.Column("settings_version", sa.Integer, nullable=False),
        sa.Column("auto_suspended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("idempotency_key", sa.String(256), unique=True),
    )
    op.create_index(
        "ix_risk_decisions_user_action_at", "risk_decisions", ["user_id", "action", "at"]
    )
    op.create_index("ix_risk_decisions_device_at", "risk_decisions", ["device_fingerprint", "at"])
    op.create_index("ix_risk_decisions_ip_at", "risk_decisions", ["ip_hash", "at"])
    # Links by API key: who presented a key, and which keys a user presented.
    for name, columns in (
        ("ix_risk_decisions_api_key", ["api_key_fingerprint", "user_id"]),
        ("ix_risk_decisions_user_api_key", ["user_id", "api_key_fingerprint"]),
    ):
        op.create_index(
            name,
            "risk_decisions",
            columns,
            postgresql_where=sa.text("api_key_fingerprint IS NOT NULL"),
        )
    # Ops page through alerts and blocks only, newest first.
    op.create_index(
        "ix_risk_decisions_alerts",
        "risk_decisions",
        ["id"],
        postgresql_where=sa.text("decision IN ('alert', 'block')"),
    )
    op.create_table(
        "fraud_settings",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("changed_by", sa.String(160), nullable=False),
        _at("changed_at"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    for table in ("fraud_settings", "risk_decisions", "devices"):
        op.drop_table(table)
