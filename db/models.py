"""SQLAlchemy 2 models. Amounts and credentials are Fernet tokens (suffix _enc)."""

from __future__ import annotations

from datetime import datetime

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
    carried_loss_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class ExchangeAccount(Base):
    __tablename__ = "exchange_accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    exchange: Mapped[str] = mapped_column(String(32), nullable=False)
    api_key_enc: Mapped[str] = mapped_column(Text, nullable=False)
    api_secret_enc: Mapped[str] = mapped_column(Text, nullable=False)
    api_key_fingerprint: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    created_at: Mapped[datetime] = _now()


class ProfitEventRow(Base):
    __tablename__ = "profit_events"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    account_id: Mapped[str] = mapped_column(String(128), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    body_enc: Mapped[str] = mapped_column(Text, nullable=False)
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
    reported_profit_enc: Mapped[str] = mapped_column(Text, nullable=False)
    verified_profit_enc: Mapped[str | None] = mapped_column(Text)
    share_amount_enc: Mapped[str | None] = mapped_column(Text)
    billed_amount_enc: Mapped[str | None] = mapped_column(Text)
    amount_paid_enc: Mapped[str | None] = mapped_column(Text)
    amount_due_enc: Mapped[str | None] = mapped_column(Text)
    credit_enc: Mapped[str | None] = mapped_column(Text)
    verification_enc: Mapped[str | None] = mapped_column(Text)
    review_reasons: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discount_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_hash: Mapped[str | None] = mapped_column(String(64))
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
    amount_enc: Mapped[str] = mapped_column(Text, nullable=False)
    currency: Mapped[str] = mapped_column(String(10), nullable=False)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _now()
    signalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only, hash-chained; a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str] = mapped_column(String(160), index=True, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(256), unique=True, nullable=False)
    details_enc: Mapped[str] = mapped_column(Text, nullable=False)
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
    reasons_enc: Mapped[str] = mapped_column(Text, nullable=False)
    linked_users: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    # The address encrypted; its keyed hash counts sign-ups per IP without revealing it.
    ip_enc: Mapped[str | None] = mapped_column(Text)
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
