"""Partitioned, keyed audit chains; actors that name tokens; token expiry.

- audit_chains: one head row (length, last hash) per bucket of users (db/audit.py CHAINS);
  an audited write locks its chain's head row instead of one global advisory lock.
- audit_log.chain / chain_seq: an entry's place in its chain (NULL: the old single chain).
- audit_log.actor widened to hold `token:<id>:<role>:<label>`; indexes for the audit listing.
- api_tokens.expires_at.
- seal columns on users, payments, api_tokens and fraud_settings.

DDL does not fire the append-only trigger: adding columns rewrites no entry.

Revision ID: 0011_audit_security
"""

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import TZ

revision = "0011_audit_security"
down_revision = "0010_gateways"

CHAINS = 128  # db/audit.py CHAINS
GENESIS = "0" * 64
SEALED = ("users", "payments", "api_tokens", "fraud_settings")


def upgrade() -> None:
    chains = op.create_table(
        "audit_chains",
        sa.Column("chain", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("length", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("head_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(chains, [{"chain": c, "length": 0, "head_hash": GENESIS} for c in range(CHAINS)])
    op.add_column("audit_log", sa.Column("chain", sa.Integer, nullable=True))
    op.add_column("audit_log", sa.Column("chain_seq", sa.BigInteger, nullable=True))
    op.create_unique_constraint("uq_audit_chain_seq", "audit_log", ["chain", "chain_seq"])
    op.alter_column("audit_log", "actor", type_=sa.String(256), existing_nullable=False)
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.add_column("api_tokens", sa.Column("expires_at", TZ))
    # Seals (db/seals.py): computed by the application, which holds the key; rows from
    # before this revision stay NULL until `profitshare audit seal-unsealed`.
    for table in SEALED:
        op.add_column(table, sa.Column("seal", sa.String(64), nullable=True))


def downgrade() -> None:
    for table in SEALED:
        op.drop_column(table, "seal")
    op.drop_column("api_tokens", "expires_at")
    op.drop_index("ix_audit_log_actor", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_constraint("uq_audit_chain_seq", "audit_log")
    op.drop_column("audit_log", "chain_seq")
    op.drop_column("audit_log", "chain")
    op.drop_table("audit_chains")
