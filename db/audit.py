"""The audit trail: append-only and hash-chained (each entry carries the previous hash).

Details are encrypted under an audit data key (envelope encryption): the entries can never be
rewritten, so `keys rotate` re-wraps the data key (audit_keys.key_enc) instead of them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import AuditEntry, AuditKey

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
    details_key_id: int | None = None,
) -> str:
    # UTC, because Postgres hands `at` back in the session's time zone, not the writer's.
    moment = at.astimezone(UTC).isoformat()
    fields: list[object] = [prev_hash, moment, actor, action, subject, idempotency_key, details_enc]
    if details_key_id is not None:  # entries from before data keys hash without it
        fields.append(details_key_id)
    body = json.dumps(fields, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    """What `entry.entry_hash` must be, recomputed from the entry's own columns."""
    return entry_hash(
        entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        idempotency_key=entry.idempotency_key,
        details_enc=entry.details_enc,
        details_key_id=entry.details_key_id,
    )


async def lock_chain(session: AsyncSession) -> None:
    """Takes the chain's lock for the rest of the transaction.

    A transaction that locks rows and then appends must take this first: the one lock order
    (chain, then rows) everywhere is what keeps two writers from deadlocking.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})


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
    await lock_chain(session)
    exists = await session.scalar(select(AuditEntry.id).where(AuditEntry.idempotency_key == key))
    if exists is not None:
        return False
    prev = await session.scalar(
        select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    )
    prev_hash = prev or GENESIS
    key_id, data_key = await _data_key(session, cipher)
    details_enc = data_key.encrypt(_canonical_json(details or {}).encode()).decode()
    digest = entry_hash(
        prev_hash,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        idempotency_key=key,
        details_enc=details_enc,
        details_key_id=key_id,
    )
    await session.execute(
        insert(AuditEntry).values(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            idempotency_key=key,
            details_enc=details_enc,
            details_key_id=key_id,
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


async def details_of(session: AsyncSession, cipher: FieldCipher, entry: AuditEntry) -> dict:
    if entry.details_key_id is None:
        return cipher.decrypt_json(entry.details_enc)  # type: ignore[return-value]
    wrapped = (
        await session.execute(select(AuditKey.key_enc).where(AuditKey.id == entry.details_key_id))
    ).scalar_one()
    data_key = Fernet(cipher.decrypt(wrapped).encode())
    return json.loads(data_key.decrypt(entry.details_enc.encode()))


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


async def _data_key(session: AsyncSession, cipher: FieldCipher) -> tuple[int, Fernet]:
    """The newest audit data key, made on first use (the caller holds the chain lock)."""
    row = await session.scalar(select(AuditKey).order_by(AuditKey.id.desc()).limit(1))
    if row is None:
        row = AuditKey(key_enc=cipher.encrypt(Fernet.generate_key().decode()))
        session.add(row)
        await session.flush()
    return row.id, Fernet(cipher.decrypt(row.key_enc).encode())
