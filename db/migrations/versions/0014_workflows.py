"""IP lists in PostgreSQL: one copy for every worker and API replica, replaced whole by the
scheduled refresh (until now each worker wrote its own disk).

Revision ID: 0014_workflows
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ

revision = "0014_workflows"
down_revision = "0013_brief"


def upgrade() -> None:
    op.create_table(
        "ip_lists",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("refreshed_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ip_lists")
