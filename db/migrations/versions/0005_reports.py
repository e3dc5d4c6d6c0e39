"""Generated ops reports (overdue, fraud, trust): one row per kind and period, bodies encrypted.

Revision ID: 0005_reports
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ, serial_id

revision = "0005_reports"
down_revision = "0004_outbox"


def upgrade() -> None:
    op.create_table(
        "reports",
        serial_id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("as_of", TZ, nullable=False),
        sa.Column("generated_at", TZ, nullable=False),
        sa.Column("json_enc", sa.Text, nullable=False),
        sa.Column("csv_enc", sa.Text, nullable=False),
        sa.Column("html_enc", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "period", name="uq_report_period"),
    )
    op.create_index("ix_reports_kind_generated", "reports", ["kind", "generated_at"])


def downgrade() -> None:
    op.drop_table("reports")
