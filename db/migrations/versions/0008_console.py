"""Admin console sessions: a signed-in token exchanged for a session cookie.

The cookie carries only a random secret; its SHA-256 is the row's id. The token is kept
encrypted (FERNET_KEYS, so key rotation re-encrypts it) because every console request
re-checks it through the same authentication as the JSON API: a revoked token stops
working in the console too, and the audit log names the same actor for both.

Revision ID: 0008_console
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ, stamped

revision = "0008_console"
down_revision = "0007_tokens"


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("token_enc", sa.Text, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        stamped(),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("console_sessions")
