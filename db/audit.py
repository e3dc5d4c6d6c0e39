"""The audit trail: append-only, in keyed hash chains, one per bucket of users.

Every audited change goes through `audited(...)` (db/audited.py): it takes the chain's head row
first, then the rows it changes, writes the entry once per idempotency key, seals what it
touched and recomputes the user's standing. This module is the chain itself.

- Partitioned: an entry goes to chain `chain_of(partition)` (a hash bucket of the user id, or
  of the subject when there is no user), each with its own head row in audit_chains. Writes
  for users in different buckets never wait for each other.
- Keyed: each entry's hash is an HMAC under a key derived from HASH_KEY (held outside
  PostgreSQL) over its chain, position, predecessor and columns, so whoever owns the database
  can neither rewrite an entry and re-hash the rest, nor move entries around.
- Anchored: the heads (length and hash) are checkpointed outside the database on a schedule
  (workflows/audit_anchor.py); `audit verify` finds a chain cut back behind its last anchor.

Entries from before partitioning (chain NULL) form the old plain SHA-256 chain, still verified.
Details are encrypted under an audit data key (envelope encryption): the entries can never be
rewritten, so `keys rotate` re-wraps the data key (audit_keys.key_enc) instead of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet
from sqlalchemy import Select, Table, bindparam, exists, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher, RecordHasher
from db.models import AuditChain, AuditEntry, AuditKey
from domain.policy import TrustPolicy

GENESIS = "0" * 64
# Buckets of the audit chain; the migration creates one head row per bucket. Changing it
# moves new entries of a user to another chain (old ones stay valid where they are).
CHAINS = 128
CHAIN_KEY_VERSION = 1
_SESSION_CHAIN = "audit_chain"


class ChainNotLocked(RuntimeError):
    """An entry was appended outside `audited(...)`: no chain head is held."""


@dataclass(frozen=True)
class Actor:
    """Who made a change: a token (id, label, role), the system (a component) or a workflow."""

    kind: Literal["token", "system", "workflow"]
    name: str = ""
    token_id: int | None = None
    label: str | None = None
    role: str | None = None

    def render(self) -> str:
        if self.kind == "token":
            tid = "" if self.token_id is None else str(self.token_id)
            return f"token:{tid}:{self.role or ''}:{self.label or ''}"
        return f"{self.kind}:{self.name}" if self.name else self.kind

    @classmethod
    def parse(cls, stored: str) -> Actor:
        kind, _, rest = stored.partition(":")
        if kind == "token":
            tid, _, rest = rest.partition(":")
            role, _, label = rest.partition(":")
            return cls("token", token_id=int(tid) if tid else None, role=role, label=label or None)
        if kind == "workflow":
            return cls("workflow", name=rest)
        if kind in ("admin", "ops", "backend"):  # entries from before token actors
            return cls("token", role=kind, label=rest or None)
        return cls("system", name=rest if kind == "system" else stored)


WORKFLOW = Actor("workflow")


class Auditor:
    """What writing and checking entries needs: the data-key cipher and the chain's key;
    and, for the changes that recompute a standing, the configured trust policy."""

    def __init__(
        self, cipher: FieldCipher, hasher: RecordHasher, *, trust: TrustPolicy | None = None
    ) -> None:
        self.cipher = cipher
        self.hasher = hasher
        # None only where nothing is changed (audit verify): a standing needs the real one.
        self.trust = trust
        self._chain_key = hasher.key_for("audit-chain", CHAIN_KEY_VERSION)

    def link(self, entry: AuditEntry) -> str:
        """What `entry.entry_hash` must be: an HMAC over its place in its chain and its columns."""
        fields: list[object] = [
            entry.chain,
            entry.chain_seq,
            entry.prev_hash,
            entry.at.astimezone(UTC).isoformat(),
            entry.actor,
            entry.action,
            entry.subject,
            entry.idempotency_key,
            entry.details_enc,
            entry.details_key_id,
        ]
        body = json.dumps(fields, separators=(",", ":")).encode()
        return hmac.new(self._chain_key, body, hashlib.sha256).hexdigest()


def chain_of(partition: str) -> int:
    return int.from_bytes(hashlib.sha256(partition.encode()).digest()[:4], "big") % CHAINS


# The statements of every audited change, built once (Core, on the tables): building an ORM
# statement and its cache key each time cost more than running it.
_chains, _entries = cast(Table, AuditChain.__table__), cast(Table, AuditEntry.__table__)
_LOCK_HEAD = (
    select(_chains.c.length, _chains.c.head_hash)
    .where(_chains.c.chain == bindparam("chain"))
    .with_for_update()
)
_ENTRY_COLUMNS = tuple(c.key for c in _entries.columns if c.key != "id")


def _appending(*, unless_key: bool) -> Select[tuple[int]]:
    """The entry inserted and the chain's head moved to it, in one statement (one round trip).

    The key's unique index decides, in the insert itself: no look-up first, and a copy racing
    an uncommitted first write waits for it and then adds nothing. The head moves only if the
    insert returned a row, so a copy leaves the chain as it was. `unless_key`: nothing is
    added either when an entry holds that other key (the older form of the same key).
    """
    # Named apart from the columns: a parameter named like a column of audit_chains would be
    # taken into the head's UPDATE as one more column to set.
    values = {
        name: bindparam(f"entry_{name}", type_=_entries.c[name].type) for name in _ENTRY_COLUMNS
    }
    entry = insert(_entries)
    if unless_key:
        older = select(_entries.c.id).where(_entries.c.idempotency_key == bindparam("unless_key"))
        entry = entry.from_select(list(values), select(*values.values()).where(~exists(older)))
    else:
        entry = entry.values(values)
    added = (
        entry.on_conflict_do_nothing(index_elements=[_entries.c.idempotency_key])
        .returning(_entries.c.id)
        .cte("added")
    )
    moved = (
        update(_chains)
        .where(_chains.c.chain == bindparam("at_chain"), exists(select(added.c.id)))
        .values(length=bindparam("new_length"), head_hash=bindparam("new_hash"))
        .cte("moved")
    )
    return select(added.c.id).add_cte(moved)


_APPEND = _appending(unless_key=False)
_APPEND_UNLESS = _appending(unless_key=True)


@dataclass
class _Head:
    chain: int
    length: int
    head_hash: str


async def lock_chain(session: AsyncSession, partition: str) -> int:
    """Takes the head row of `partition`'s chain for the rest of the transaction.

    A transaction holds one chain and takes it before any row it changes: the one lock order
    (chain, then rows) everywhere is what keeps two writers from deadlocking, and all rows of
    one user are only written under that user's chain.
    """
    held: _Head | None = session.info.get(_SESSION_CHAIN)
    chain = chain_of(partition)
    if held is not None:
        if held.chain != chain:
            raise RuntimeError(f"this transaction already holds audit chain {held.chain}")
        return chain
    row = (await session.execute(_LOCK_HEAD, {"chain": chain})).one()
    session.info[_SESSION_CHAIN] = _Head(chain, row.length, row.head_hash)
    return chain


def release(session: AsyncSession) -> None:
    session.info.pop(_SESSION_CHAIN, None)


async def append(
    session: AsyncSession,
    auditor: Auditor,
    *,
    at: datetime,
    actor: Actor | str,
    action: str,
    subject: str,
    key: str,
    details: dict | None = None,
    unless_key: str | None = None,
) -> bool:
    """Appends one entry to the held chain unless its idempotency key exists (or
    `unless_key` does); True if added.

    Runs inside the caller's transaction (an `audited(...)` block) so the entry commits with
    the change it records.
    """
    head: _Head | None = session.info.get(_SESSION_CHAIN)
    if head is None:
        raise ChainNotLocked("audit entries are written inside audited(...)")
    # Nothing the ORM holds changes what this reads or writes: no flush of the caller's
    # pending changes first (a share's new status and its seal then go in one UPDATE at
    # commit, not one before the entry and one after).
    with session.no_autoflush:
        key_id, data_key = await _data_key(session, auditor.cipher)
        seq = head.length + 1
        entry = AuditEntry(
            chain=head.chain,
            chain_seq=seq,
            at=at,
            actor=actor.render() if isinstance(actor, Actor) else actor,
            action=action,
            subject=subject,
            idempotency_key=key,
            details_enc=data_key.encrypt(_canonical_json(details or {}).encode()).decode(),
            details_key_id=key_id,
            prev_hash=head.head_hash,
            entry_hash="",
        )
        entry.entry_hash = auditor.link(entry)
        values = {f"entry_{name}": getattr(entry, name) for name in _ENTRY_COLUMNS}
        values |= {"at_chain": head.chain, "new_length": seq, "new_hash": entry.entry_hash}
        if unless_key is None:
            added = await session.scalar(_APPEND, values)
        else:
            added = await session.scalar(_APPEND_UNLESS, values | {"unless_key": unless_key})
    if added is None:
        return False
    head.length, head.head_hash = seq, entry.entry_hash
    return True


def legacy_hash(entry: AuditEntry) -> str:
    """The plain SHA-256 link of an entry from before keyed chains (chain NULL)."""
    moment = entry.at.astimezone(UTC).isoformat()
    fields: list[object] = [
        entry.prev_hash,
        moment,
        entry.actor,
        entry.action,
        entry.subject,
        entry.idempotency_key,
        entry.details_enc,
    ]
    if entry.details_key_id is not None:  # entries from before data keys hash without it
        fields.append(entry.details_key_id)
    body = json.dumps(fields, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


async def entries_for(session: AsyncSession, subject: str) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
    )
    return list(rows)


async def details_of(session: AsyncSession, cipher: FieldCipher, entry: AuditEntry) -> dict:
    if entry.details_key_id is None:
        return cipher.decrypt_json(entry.details_enc)  # type: ignore[return-value]
    wrapped = await session.scalar(
        select(AuditKey.key_enc).where(AuditKey.id == entry.details_key_id)
    )
    if wrapped is None:
        raise LookupError(f"audit data key #{entry.details_key_id} is missing")
    data_key = Fernet(cipher.decrypt(wrapped).encode())
    return json.loads(data_key.decrypt(entry.details_enc.encode()))


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


_DATA_KEYS = "audit_data_key"
# The data key each database's entries are written under, once read from a committed row.
# A data key is made once and never replaced or deleted (`keys rotate` re-wraps it: the key
# itself stays the same), so a process asks for it once per database, not once per audited
# change; keyed by the engine (or connection) the session runs on.
_COMMITTED_KEYS: WeakKeyDictionary[object, tuple[int, Fernet]] = WeakKeyDictionary()
_NEWEST_KEY = select(AuditKey).order_by(AuditKey.id.desc()).limit(1)


async def _data_key(session: AsyncSession, cipher: FieldCipher) -> tuple[int, Fernet]:
    """The newest audit data key, made on first use (once, under the key table's lock)."""
    cached = session.info.get(_DATA_KEYS)
    if cached is not None:
        return cached
    bind = session.sync_session.get_bind()
    known = _COMMITTED_KEYS.get(bind)
    if known is not None:
        session.info[_DATA_KEYS] = known
        return known
    row = await session.scalar(_NEWEST_KEY)
    committed = row is not None
    if row is None:
        # Chains no longer serialise every writer: the first key is made under a table lock.
        await session.execute(text("LOCK TABLE audit_keys IN SHARE ROW EXCLUSIVE MODE"))
        row = await session.scalar(_NEWEST_KEY)
        committed = row is not None
        if row is None:
            row = AuditKey(key_enc=cipher.encrypt(Fernet.generate_key().decode()))
            session.add(row)
            await session.flush()
    found = (row.id, Fernet(cipher.decrypt(row.key_enc).encode()))
    session.info[_DATA_KEYS] = found
    if committed:  # a key made in this transaction is known to others only once it commits
        _COMMITTED_KEYS[bind] = found
    return found
