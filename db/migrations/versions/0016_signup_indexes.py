"""Sign-up counts read sign-ups only: the risk facts count the last hour's sign-ups per
device and per address, and the indexes on (device, time) and (address, time) made each
count walk every decision of that device or address in the hour (profit claims and logins
too). Partial indexes on sign-ups replace them (session 15, issue 20).

Building them reads risk_decisions once, holding off its writes meanwhile (the risk
assessments wait): seconds for a few million decisions.

Revision ID: 0016_signup_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_signup_indexes"
down_revision = "0015_admission"

SIGNUPS = sa.text("action = 'signup'")


def upgrade() -> None:
    op.drop_index("ix_risk_decisions_device_at", table_name="risk_decisions")
    op.drop_index("ix_risk_decisions_ip_at", table_name="risk_decisions")
    op.create_index(
        "ix_risk_decisions_signups_device",
        "risk_decisions",
        ["device_fingerprint", "at"],
        postgresql_where=SIGNUPS,
    )
    op.create_index(
        "ix_risk_decisions_signups_ip",
        "risk_decisions",
        ["ip_hash", "at"],
        postgresql_where=SIGNUPS,
    )


def downgrade() -> None:
    op.drop_index("ix_risk_decisions_signups_ip", table_name="risk_decisions")
    op.drop_index("ix_risk_decisions_signups_device", table_name="risk_decisions")
    op.create_index("ix_risk_decisions_ip_at", "risk_decisions", ["ip_hash", "at"])
    op.create_index("ix_risk_decisions_device_at", "risk_decisions", ["device_fingerprint", "at"])
