"""Audit data keys: audit details are encrypted under a data key that rotation can re-wrap.

The audit log refuses UPDATE, so its rows can never be re-encrypted; instead each entry names
the data key its details are encrypted with, and that key is stored as a FERNET_KEYS token in
audit_keys, a table `profitshare keys rotate` does rewrite. Entries written before this
revision keep a NULL key id (their details are FERNET_KEYS tokens, as before).

Revision ID: 0007_tokens
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import stamped

revision = "0007_tokens"
down_revision = "0006_proofs_disputes"


def upgrade() -> None:
    op.create_table(
        "audit_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_enc", sa.Text, nullable=False),
        stamped(),
    )
    # DDL does not fire the append-only trigger: adding a column rewrites no entry.
    op.add_column(
        "audit_log",
        sa.Column("details_key_id", sa.Integer, sa.ForeignKey("audit_keys.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("audit_log", "details_key_id")
    op.drop_table("audit_keys")
