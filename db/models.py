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
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


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
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _now()
    signalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_note: Mapped[str | None] = mapped_column(Text)


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


class AuditKey(Base):
    """A data key for audit details, itself a FERNET_KEYS token so rotation can re-wrap it."""

    __tablename__ = "audit_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_enc: Mapped[str] = encrypted(nullable=False)
    created_at: Mapped[datetime] = _now()


class AuditEntry(Base):
    """Append-only, hash-chained; a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
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


class RiskDecisionRow(Base):
    """Every risk decision with its reasons; also the event log velocity rules count."""

    __tablename__ = "risk_decisions"
    __table_args__ = (
        Index("ix_risk_decisions_user_action_at", "user_id", "action", "at"),
        Index("ix_risk_decisions_device_at", "device_fingerprint", "at"),
        Index("ix_risk_decisions_ip_at", "ip_hash", "at"),
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


class IpList(Base):
    """One offline IP list (tor, vpn, proxy, datacenter) as its refresh wrote it: one copy
    every worker and API replica reads (activities/risk/intel.py)."""

    __tablename__ = "ip_lists"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The list file's text: a `data_as_of` header line, then one address or network a line.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
