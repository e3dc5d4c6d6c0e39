"""The audit trail: append-only and hash-chained (each entry carries the previous hash)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import AuditEntry

GENESIS = "0" * 64
# One writer at a time extends the chain; the lock is released at commit.
CHAIN_LOCK = 7_410_001


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    idempotency_key: str,
    details_enc: str,
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), actor, action, subject, idempotency_key, details_enc],
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


async def append(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    key: str,
    details: dict | None = None,
) -> bool:
    """Appends one entry unless an entry with this idempotency key exists. Returns True if added.

    Runs inside the caller's transaction so the entry commits with the change it records.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    exists = await session.scalar(select(AuditEntry.id).where(AuditEntry.idempotency_key == key))
    if exists is not None:
        return False
    prev = await session.scalar(
        select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    )
    prev_hash = prev or GENESIS
    details_enc = cipher.encrypt_json(details or {})
    digest = entry_hash(
        prev_hash,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        idempotency_key=key,
        details_enc=details_enc,
    )
    await session.execute(
        insert(AuditEntry).values(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            idempotency_key=key,
            details_enc=details_enc,
            prev_hash=prev_hash,
            entry_hash=digest,
        )
    )
    return True


async def entries_for(session: AsyncSession, subject: str) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
    )
    return list(rows)
