"""The UTR a gateway reports for a UPI payment (Razorpay's rrn, Cashfree's bank reference,
PhonePe's rail.utr), kept beside its own payment id: a manual UPI proof claiming the same
transfer is refused, and the other way round (session 16's review).

Adding a nullable column rewrites nothing; the index is built while payments' writes wait
(seconds for millions of rows).

Revision ID: 0017_payment_utr
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_payment_utr"
down_revision = "0016_signup_indexes"


def upgrade() -> None:
    op.add_column("payments", sa.Column("utr", sa.String(12), nullable=True))
    op.create_index("ix_payments_utr", "payments", ["utr"])


def downgrade() -> None:
    op.drop_index("ix_payments_utr", table_name="payments")
    op.drop_column("payments", "utr")
