"""Losses carried forward per user, for the high-water-mark fee basis.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("users", sa.Column("carried_loss_enc", sa.Text))


def downgrade() -> None:
    op.drop_column("users", "carried_loss_enc")
