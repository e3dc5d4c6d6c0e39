"""Generated ops reports (overdue, fraud, trust): one row per kind and period, bodies encrypted.

Revision ID: 0005_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_reports"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("json_enc", sa.Text, nullable=False),
        sa.Column("csv_enc", sa.Text, nullable=False),
        sa.Column("html_enc", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "period", name="uq_report_period"),
    )
    op.create_index("ix_reports_kind_generated", "reports", ["kind", "generated_at"])


def downgrade() -> None:
    op.drop_table("reports")
