"""Intake admission: a profit event is recorded first and its workflow started after, by the
API's starter, a window at a time (issue 20, bursts). `started_at` is when Temporal accepted
the start; NULL means queued.

Every event already here was started under the old rule (inline, before the 202, the backend
retrying until it got one), so they are backfilled as started when they were received.

Revision ID: 0015_admission
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ

revision = "0015_admission"
down_revision = "0014_workflows"


def upgrade() -> None:
    op.add_column("profit_events", sa.Column("started_at", TZ))
    op.execute("UPDATE profit_events SET started_at = received_at")
    # The starter's queue, oldest first, and its count of shares still opening.
    op.create_index(
        "ix_profit_events_queued",
        "profit_events",
        ["received_at"],
        postgresql_where=sa.text("started_at IS NULL"),
    )
    op.create_index("ix_profit_events_started_at", "profit_events", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_profit_events_started_at", table_name="profit_events")
    op.drop_index("ix_profit_events_queued", table_name="profit_events")
    op.drop_column("profit_events", "started_at")
