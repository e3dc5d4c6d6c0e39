"""SQLAlchemy 2 models. Amounts, credentials and PII are Fernet tokens (suffix _enc).

A column holding a FERNET_KEYS token is declared with `encrypted()`: that declaration is how
`profitshare keys rotate` (db/rotation.py) finds it, so a new table joins key rotation by
declaring its ciphertext columns that way and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


ENCRYPTED = "encrypted"


def encrypted(*, nullable: bool = True) -> Mapped[Any]:
    """A Text column holding a Fernet token under FERNET_KEYS (re-encrypted by key rotation)."""
    return mapped_column(Text, nullable=nullable, info={ENCRYPTED: True})


UNDER_USER_KEY = "under_user_key"


def under_user_key() -> Mapped[Any]:
    """A Text column encrypted under its user's data key (db/user_keys.py), not FERNET_KEYS:
    key rotation re-wraps the user's key instead, and erasure destroys it."""
    return mapped_column(Text, nullable=True, info={UNDER_USER_KEY: True})


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    trust_score: Mapped[int] = mapped_column(Integer, default=50, nullable=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    enforcement_level: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # High-water-mark fee basis: losses not yet earned back (encrypted Decimal).
    carried_loss_enc: Mapped[str | None] = encrypted()
    # The same per currency: {currency: amount} as encrypted JSON (losses never mix currencies).
    carried_losses_enc: Mapped[str | None] = encrypted()
    # Set when an admin erased the user's personal data (their data key is destroyed).
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    # HMAC over the standing (db/seals.py); NULL only on rows from before revision 0011.
    seal: Mapped[str | None] = mapped_column(String(64))


class ExchangeAccount(Base):
    __tablename__ = "exchange_accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    exchange: Mapped[str] = mapped_column(String(32), nullable=False)
    api_key_enc: Mapped[str] = encrypted(nullable=False)
    api_secret_enc: Mapped[str] = encrypted(nullable=False)
    api_key_fingerprint: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    created_at: Mapped[datetime] = _now()


class ProfitEventRow(Base):
    __tablename__ = "profit_events"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    account_id: Mapped[str] = mapped_column(String(128), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    body_enc: Mapped[str] = encrypted(nullable=False)
    received_at: Mapped[datetime] = _now()
    # When Temporal accepted the share's start; NULL while the event waits in the intake
    # queue for the API's starter (api/admission.py).
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Set once the body's IP, device and email were cleared (erasure, retention).
    personal_cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_profit_events_queued",
            "received_at",
            postgresql_where=text("started_at IS NULL"),
        ),
    )


class Share(Base):
    __tablename__ = "shares"
    event_id: Mapped[str] = mapped_column(ForeignKey("profit_events.event_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(32), index=True, nullable=False)
    level: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    currency: Mapped[str] = mapped_column(String(10), nullable=False)
    billing_currency: Mapped[str | None] = mapped_column(String(10))
    share_rate: Mapped[str | None] = mapped_column(String(16))
    fx_rate: Mapped[str | None] = mapped_column(String(32))
    reported_profit_enc: Mapped[str] = encrypted(nullable=False)
    verified_profit_enc: Mapped[str | None] = encrypted()
    share_amount_enc: Mapped[str | None] = encrypted()
    billed_amount_enc: Mapped[str | None] = encrypted()
    amount_paid_enc: Mapped[str | None] = encrypted()
    amount_due_enc: Mapped[str | None] = encrypted()
    credit_enc: Mapped[str | None] = encrypted()
    verification_enc: Mapped[str | None] = encrypted()
    review_reasons: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discount_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_hash: Mapped[str | None] = mapped_column(String(64))
    # Closing without payment: what was forgiven and why (waive, write_off, dispute_cancelled).
    waived_amount_enc: Mapped[str | None] = encrypted()
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    # Terms fixed at day 0 (NULL on shares recorded before them: the brief's figures).
    discount_rate: Mapped[str | None] = mapped_column(String(16))
    billing_places: Mapped[int | None] = mapped_column(Integer)
    # The figures that make every share balance (domain/book.py).
    discount_granted_enc: Mapped[str | None] = encrypted()
    refunded_enc: Mapped[str | None] = encrypted()
    written_off_amount_enc: Mapped[str | None] = encrypted()
    # High-water mark: the carried loss this share's profit earned back (given back on cancel).
    loss_absorbed_enc: Mapped[str | None] = encrypted()
    payment_link_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "transaction_id", name="uq_payment_txn"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    transaction_id: Mapped[str] = mapped_column(String(128), nullable=False)
    event_id: Mapped[str | None] = mapped_column(String(128), index=True)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    amount_enc: Mapped[str] = encrypted(nullable=False)
    currency: Mapped[str] = mapped_column(String(10), nullable=False)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # received, applied, unmatched, refused, credit...; a PhonePe v2 hint row (transaction id
    # "order:<merchantOrderId>"): pending_confirmation, confirmed, failed, unconfirmed.
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _now()
    signalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_note: Mapped[str | None] = mapped_column(Text)
    seal: Mapped[str | None] = mapped_column(String(64))  # db/seals.py
    # The UTR a gateway reported for a UPI payment (domain/upi.py), so a manual proof cannot
    # claim the same money again. Not sealed: it moves no money, and rows before it have none.
    utr: Mapped[str | None] = mapped_column(String(12), index=True)


class Refund(Base):
    """Credit given back through the gateway that took it; one per Idempotency-Key."""

    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("shares.event_id"), index=True, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    amount_enc: Mapped[str] = encrypted(nullable=False)
    currency: Mapped[str] = mapped_column(String(10), nullable=False)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(128))
    # "refunded" (the gateway took it back) or "manual" (recorded; ops pay it out by hand).
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    note_enc: Mapped[str | None] = encrypted()
    requested_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = _now()


class PaymentProof(Base):
    """A manual UPI payment proof awaiting (or past) an admin's decision."""

    __tablename__ = "payment_proofs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("shares.event_id"), index=True, nullable=False)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    # Unique across proofs here, and checked against payments before insert.
    transaction_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    amount_enc: Mapped[str] = encrypted(nullable=False)
    currency: Mapped[str] = mapped_column(String(10), nullable=False)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    note_enc: Mapped[str | None] = encrypted()
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime] = _now()
    # What the checks found ([{check, result, detail}]); a flag asks the admin to look closer.
    checks: Mapped[list[dict] | None] = mapped_column(JSONB)
    # Under the user's data key (db/user_keys.py), not FERNET_KEYS: erasure destroys it.
    screenshot_enc: Mapped[str | None] = under_user_key()
    screenshot_type: Mapped[str | None] = mapped_column(String(16))
    ip_enc: Mapped[str | None] = under_user_key()
    device_fingerprint: Mapped[str | None] = mapped_column(String(256))
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_note: Mapped[str | None] = mapped_column(Text)
    risk_decision_id: Mapped[int | None] = mapped_column(BigInteger)


class Dispute(Base):
    """A user's dispute of a share: one per share; the ladder waits while it is open."""

    __tablename__ = "disputes"
    event_id: Mapped[str] = mapped_column(ForeignKey("shares.event_id"), primary_key=True)
    reason_enc: Mapped[str] = encrypted(nullable=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(16))
    note_enc: Mapped[str | None] = encrypted()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitHit(Base):
    """One counted request in a moving window, shared by every API process (see db/rate_limits)."""

    __tablename__ = "rate_limit_hits"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(256), index=True, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, nullable=False
    )


class RateLimitWindow(Base):
    """One limited key's count in its current fixed window (see db/rate_limits)."""

    __tablename__ = "rate_limit_windows"
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, nullable=False
    )


class AuditKey(Base):
    """A data key for audit details, itself a FERNET_KEYS token so rotation can re-wrap it."""

    __tablename__ = "audit_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_enc: Mapped[str] = encrypted(nullable=False)
    created_at: Mapped[datetime] = _now()


class AuditChain(Base):
    """The head of one audit chain (db/audit.py): its length and last hash, locked to append."""

    __tablename__ = "audit_chains"
    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditEntry(Base):
    """Append-only, in keyed hash chains; a trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "chain_seq", name="uq_audit_chain_seq"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # NULL for entries from before partitioned chains: they form the old single chain.
    chain: Mapped[int | None] = mapped_column(Integer)
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True, nullable=False)
    actor: Mapped[str] = mapped_column(String(256), index=True, nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str] = mapped_column(String(160), index=True, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(256), unique=True, nullable=False)
    # Encrypted under an audit data key (AuditKey), not FERNET_KEYS: the row can never be
    # rewritten, so key rotation re-wraps the data key instead (envelope encryption).
    details_enc: Mapped[str] = mapped_column(Text, nullable=False)
    # NULL for entries written before data keys existed: those are FERNET_KEYS tokens.
    details_key_id: Mapped[int | None] = mapped_column(ForeignKey("audit_keys.id"))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = _now()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL: the token does not expire.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seal: Mapped[str | None] = mapped_column(String(64))  # db/seals.py


class StandingOutboxRow(Base):
    """A standing change waiting to be pushed to the backend (Standard Webhooks), in `seq`
    order per user. Written in the transaction that changed the standing."""

    __tablename__ = "standing_outbox"
    __table_args__ = (UniqueConstraint("user_id", "seq", name="uq_standing_outbox_user_seq"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = _now()
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Notification(Base):
    """One message to a user per share and stage; `sent_at` is set once the provider took it."""

    __tablename__ = "notifications"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "{event_id}:{stage}"
    event_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    stage: Mapped[str] = mapped_column(String(64), nullable=False)
    template: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[str | None] = mapped_column(String(128))


class Report(Base):
    """A generated ops report; the bodies quote user ids and amounts, so they are encrypted."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_report_period"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    json_enc: Mapped[str] = encrypted(nullable=False)
    csv_enc: Mapped[str] = encrypted(nullable=False)
    html_enc: Mapped[str] = encrypted(nullable=False)


class Device(Base):
    """Which users were seen on which device fingerprint (risk: accounts per device, links)."""

    __tablename__ = "devices"
    fingerprint: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


_SIGNUPS_ONLY = text("action = 'signup'")


class RiskDecisionRow(Base):
    """Every risk decision with its reasons; also the event log velocity rules count."""

    __tablename__ = "risk_decisions"
    __table_args__ = (
        Index("ix_risk_decisions_user_action_at", "user_id", "action", "at"),
        # The velocity rules count sign-ups per device and address (db/risk/facts.py): these
        # hold sign-ups only, so a count reads its sign-ups however many other decisions
        # the address had, and a profit claim or login maintains neither.
        Index(
            "ix_risk_decisions_signups_device",
            "device_fingerprint",
            "at",
            postgresql_where=_SIGNUPS_ONLY,
        ),
        Index("ix_risk_decisions_signups_ip", "ip_hash", "at", postgresql_where=_SIGNUPS_ONLY),
        # Links by API key: who presented a key, and which keys a user presented.
        Index(
            "ix_risk_decisions_api_key",
            "api_key_fingerprint",
            "user_id",
            postgresql_where=text("api_key_fingerprint IS NOT NULL"),
        ),
        Index(
            "ix_risk_decisions_user_api_key",
            "user_id",
            "api_key_fingerprint",
            postgresql_where=text("api_key_fingerprint IS NOT NULL"),
        ),
        Index(
            "ix_risk_decisions_alerts",
            "id",
            postgresql_where=text("decision IN ('alert', 'block')"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    user_id: Mapped[str] = mapped_column(String(128), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    # Rule names in the clear (for reports); the details name other users and amounts owed.
    rules: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    reasons_enc: Mapped[str] = encrypted(nullable=False)
    linked_users: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    # The address encrypted; its keyed hash counts sign-ups per IP without revealing it.
    ip_enc: Mapped[str | None] = encrypted()
    ip_hash: Mapped[str | None] = mapped_column(String(32))
    # The normalised email under the user's data key (db/user_keys.py): erasure destroys it.
    email_enc: Mapped[str | None] = under_user_key()
    device_fingerprint: Mapped[str | None] = mapped_column(String(256))
    api_key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    settings_version: Mapped[int] = mapped_column(Integer, nullable=False)
    auto_suspended: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Set by callers that may retry (the screening activity): one decision per key.
    idempotency_key: Mapped[str | None] = mapped_column(String(256), unique=True)


class FraudSettingsRow(Base):
    """One version of the fraud settings document; the highest version is in force."""

    __tablename__ = "fraud_settings"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict] = mapped_column(JSONB, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(160), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    seal: Mapped[str | None] = mapped_column(String(64))  # db/seals.py


class ConsoleSession(Base):
    """A signed-in admin console session (api/console/session.py); the id is the SHA-256 of
    the cookie's secret, so a copy of this table signs nobody in."""

    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_enc: Mapped[str] = encrypted(nullable=False)
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, nullable=False
    )


class InventoryBook(Base):
    """One row per exchange account: its FIFO lots and latest balance snapshot (0009).

    Verifications of the account lock this row (SELECT ... FOR UPDATE), so lot updates of
    two sessions never interleave.
    """

    __tablename__ = "inventory_books"
    account_id: Mapped[str] = mapped_column(ForeignKey("exchange_accounts.id"), primary_key=True)
    lots_enc: Mapped[str] = encrypted(nullable=False)  # JSON list of domain.pnl.Lot
    balances_enc: Mapped[str | None] = encrypted()  # JSON {asset: amount} at snapshot_at
    snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the registration snapshot was read: fills up to then are in the opening lots.
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class InventorySession(Base):
    """A session's place in its account's order: pending, applied, held (review) or rejected."""

    __tablename__ = "inventory_sessions"
    __table_args__ = (
        Index("ix_inventory_sessions_account_order", "account_id", "session_start", "event_id"),
    )
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), nullable=False)
    session_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    session_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    summary_enc: Mapped[str | None] = encrypted()  # the VerificationSummary returned
    # A held session's lots, computed at verification: which one applies is the admin's call.
    lots_if_approved_enc: Mapped[str | None] = encrypted()
    lots_if_rejected_enc: Mapped[str | None] = encrypted()
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class BalanceSnapshot(Base):
    __tablename__ = "balance_snapshots"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # registration | verification
    event_id: Mapped[str | None] = mapped_column(String(128))
    balances_enc: Mapped[str] = encrypted(nullable=False)
    valuation_enc: Mapped[str | None] = encrypted()  # registration: prices used for the lots
    created_at: Mapped[datetime] = _now()


class IpList(Base):
    """One offline IP list (tor, vpn, proxy, datacenter) as its refresh wrote it: one copy
    every worker and API replica reads (services/risk/intel.py)."""

    __tablename__ = "ip_lists"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The list file's text: a `data_as_of` header line, then one address or network a line.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


# Tables of the brief's privacy and consent features live in their own module; importing it
# here registers them on Base.metadata (key rotation and the tests' schema read it).
from db import privacy_models  # noqa: E402, F401
