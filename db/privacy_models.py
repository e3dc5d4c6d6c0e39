"""Tables for consent to the terms, per-user data keys (erasure) and dismissed risk findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, encrypted, under_user_key


class UserKey(Base):
    """A user's data key, itself a FERNET_KEYS token (rotation re-wraps it). Personal fields
    are encrypted under it; erasing the user deletes this row, so they can never be read."""

    __tablename__ = "user_keys"
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key_enc: Mapped[str] = encrypted(nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Terms(Base):
    """One version of the profit-share terms; the latest whose effective_at has come is in force."""

    __tablename__ = "terms"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    set_by: Mapped[str] = mapped_column(String(160), nullable=False)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Consent(Base):
    """A user's acceptance of one terms version; ip and user agent under the user's data key."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "terms_version", name="uq_consent_user_version"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    terms_version: Mapped[str] = mapped_column(ForeignKey("terms.version"), nullable=False)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ip_enc: Mapped[str | None] = under_user_key()
    user_agent_enc: Mapped[str | None] = under_user_key()
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class RiskDismissal(Base):
    """An admin judged a shared device a false positive for this user: it stops counting."""

    __tablename__ = "risk_dismissals"
    __table_args__ = (
        UniqueConstraint("user_id", "device_fingerprint", name="uq_dismissal_user_device"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128), nullable=False)
    device_fingerprint: Mapped[str] = mapped_column(String(256), nullable=False)
    dismissed_by: Mapped[str] = mapped_column(String(160), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
