"""`profitshare audit verify`: finds rows changed outside the application.

Proofs, all recomputed from what is stored and from keys PostgreSQL does not hold:
- every user's standing, payment, API token and fraud-settings version still matches its
  seal (db/seals.py), and agrees with what the audit log last says of it: a revoked token
  still revoked, a user's block as last recorded, every saved settings version still there
  (db/log_agreement.py: a seal cannot tell an older copy of a row from the newest);
- every share's seal (HMAC-SHA256 under HASH_KEY over its canonical plaintext record, see
  db/shares.py) still matches: editing an amount, even with a valid Fernet token, breaks it;
- every audit chain (db/audit.py) is unbroken: positions 1, 2, 3… with no gap, each entry's
  keyed hash over its chain, position, predecessor and columns matches, so an edited,
  re-hashed, inserted, deleted or moved entry breaks the chain there;
- each chain's head row matches its last entry, and each chain is at least as long as every
  kept anchor (checkpoint kept outside the database) says, with the anchored hash at each
  anchored position: cutting the tail off a chain, even with the head row rewritten and a
  newer anchor taken of the cut chain, is found while an older anchor is kept;
- the entries from before keyed chains (chain NULL) still form the old SHA-256 chain;
- every share balances to the minor unit, with no tolerance (domain/book.py): billed =
  paid − credit − refunded + due + discount granted + waived + written off, and no open
  share has nothing due.
Only the first broken link of a chain is reported: beyond it the chain proves nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import GENESIS, Auditor, legacy_hash
from db.crypto import FieldCipher, RecordHasher
from db.log_agreement import disagreements
from db.models import AuditChain, AuditEntry, Share
from db.seals import RECORDS, name_of, row_finding
from db.shares import book_of, canonical

STREAM_ROWS = 1000

# share_*, chain_*, and user_ / payment_ / api_token_ / fraud_settings_ + changed, unsealed,
# unreadable (db/seals.py).
FindingKind = str


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    subject: str  # the share's event_id, or the audit entry
    detail: str


@dataclass(frozen=True)
class ChainHead:
    """A chain's length and last hash, as the audit_chains row or an anchor has it."""

    chain: int
    length: int
    head_hash: str


@dataclass
class IntegrityReport:
    shares: int = 0
    sealed_rows: int = 0  # users, payments, tokens and fraud settings
    entries: int = 0
    chains: int = 0
    anchored: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


async def verify(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    hasher: RecordHasher,
    *,
    anchors: Sequence[Mapping[int, ChainHead]] = (),
) -> IntegrityReport:
    """Checks seals and chains; with `anchors` (the kept checkpoints, any order) also each
    chain's length and its hash at every anchored position. Every anchor, not the newest
    only: one taken after a cut would copy the cut chain."""
    report = IntegrityReport(anchored=bool(anchors))
    auditor = Auditor(cipher, hasher)
    async with sessions() as s, s.begin():
        # One snapshot for the whole run: entries appended meanwhile are not part of it.
        await s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        report.shares = await _check_shares(s, cipher, hasher, report.findings.append)
        report.sealed_rows = await _check_sealed(s, cipher, hasher, report.findings.append)
        report.findings += [Finding(*found) for found in await disagreements(s)]
        report.entries = await _check_legacy_chain(s, report.findings.append)
        heads = {
            row.chain: ChainHead(row.chain, row.length, row.head_hash)
            for row in await s.scalars(select(AuditChain).order_by(AuditChain.chain))
        }
        report.chains = len(heads)
        anchored: dict[int, list[ChainHead]] = {}
        for anchor in anchors:
            for chain, head in anchor.items():
                anchored.setdefault(chain, []).append(head)
        for chain in sorted(heads.keys() | anchored.keys()):
            report.entries += await _check_chain(
                s,
                auditor,
                chain,
                heads.get(chain),
                anchored.get(chain, []),
                report.findings.append,
            )
    return report


def seal_finding(share: Share, cipher: FieldCipher, hasher: RecordHasher) -> Finding | None:
    if share.verification_hash is None:
        return Finding("share_unsealed", share.event_id, "the share has no verification hash")
    try:
        expected = hasher.digest(canonical(share, cipher))
    except InvalidToken:
        return Finding("share_unreadable", share.event_id, "an encrypted field reads under no key")
    if not hmac.compare_digest(expected, share.verification_hash):
        return Finding("share_changed", share.event_id, "the stored record does not match its seal")
    return None


def _name(entry: AuditEntry) -> str:
    return f"audit_log #{entry.id} ({entry.idempotency_key})"


def link_finding(auditor: Auditor, entry: AuditEntry, seq: int, prev_hash: str) -> Finding | None:
    """What is wrong with `entry` as position `seq` of its chain after `prev_hash`, if anything."""
    if entry.chain_seq != seq:
        detail = f"it is at position {entry.chain_seq} of chain {entry.chain}, expected {seq}"
    elif entry.prev_hash != prev_hash:
        detail = f"its prev_hash does not match position {seq - 1} of chain {entry.chain}"
    elif not hmac.compare_digest(entry.entry_hash, auditor.link(entry)):
        detail = "its hash does not match its contents"
    else:
        return None
    return Finding("chain_broken", _name(entry), detail)


async def _check_shares(
    s: AsyncSession, cipher: FieldCipher, hasher: RecordHasher, found: Callable[[Finding], None]
) -> int:
    checked = 0
    shares = await s.stream_scalars(
        select(Share).order_by(Share.event_id).execution_options(yield_per=STREAM_ROWS)
    )
    async for share in shares:
        checked += 1
        if finding := seal_finding(share, cipher, hasher) or balance_finding(share, cipher):
            found(finding)
    return checked


def balance_finding(
    share: Share, cipher: FieldCipher, at: datetime | None = None
) -> Finding | None:
    """The share's figures do not balance exactly, or it is open with nothing due."""
    book = book_of(share, cipher)
    if book is None:
        return None
    f = book.figures(at or datetime.now(UTC))
    if not f.balanced:
        kept = f.amount_paid - f.credit - f.refunded
        others = f.discount_granted + f.waived_amount + f.written_off_amount
        detail = f"billed {f.billed} != kept {kept} + due {f.amount_due} + {others}"
        return Finding("share_unbalanced", share.event_id, detail)
    if book.is_open and f.amount_due <= 0:
        return Finding("share_unbalanced", share.event_id, "open with nothing due")
    return None


async def _check_sealed(
    s: AsyncSession, cipher: FieldCipher, hasher: RecordHasher, found: Callable[[Finding], None]
) -> int:
    checked = 0
    for model in RECORDS:
        rows: Any = await s.stream_scalars(select(model).execution_options(yield_per=STREAM_ROWS))
        async for row in rows:
            checked += 1
            if problem := row_finding(row, hasher, cipher):
                found(Finding(problem[0], name_of(row), problem[1]))
    return checked


async def _check_chain(
    s: AsyncSession,
    auditor: Auditor,
    chain: int,
    head: ChainHead | None,
    anchored: Sequence[ChainHead],
    found: Callable[[Finding], None],
) -> int:
    seq, prev_hash, broken = 0, GENESIS, False
    # position -> the hashes anchors saw there (two differ: the chain was rewritten between).
    saw: dict[int, set[str]] = {}
    for anchor in anchored:
        saw.setdefault(anchor.length, set()).add(anchor.head_hash)
    longest = max(saw, default=None)
    not_seen = 0 if 0 in saw and saw[0] != {GENESIS} else None
    entries = await s.stream_scalars(
        select(AuditEntry)
        .where(AuditEntry.chain == chain)
        .order_by(AuditEntry.chain_seq, AuditEntry.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for entry in entries:
        seq += 1
        if broken:
            continue
        if finding := link_finding(auditor, entry, seq, prev_hash):
            found(finding)
            broken = True
            continue
        prev_hash = entry.entry_hash
        if seq in saw and not_seen is None and saw[seq] != {entry.entry_hash}:
            not_seen = seq
    if broken:
        return seq
    where = f"audit chain {chain}"
    if longest is not None and seq < longest:
        found(
            Finding(
                "chain_truncated",
                where,
                f"it has {seq} entries; an anchor saw {longest}: "
                f"position {seq + 1} onwards was removed",
            )
        )
    elif not_seen is not None:
        found(Finding("chain_broken", where, f"position {not_seen} is not the entry an anchor saw"))
    elif head is None or head.length != seq or head.head_hash != prev_hash:
        length = "no head row" if head is None else f"its head row says {head.length} entries"
        found(Finding("chain_truncated", where, f"{length}; the chain has {seq}"))
    return seq


async def _check_legacy_chain(s: AsyncSession, found: Callable[[Finding], None]) -> int:
    """The single plain SHA-256 chain of entries written before keyed chains."""
    checked, prev_id, prev_hash = 0, None, GENESIS
    entries = await s.stream_scalars(
        select(AuditEntry)
        .where(AuditEntry.chain.is_(None))
        .order_by(AuditEntry.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for entry in entries:
        checked += 1
        if entry.prev_hash != prev_hash:
            before = f"entry #{prev_id}" if prev_id is not None else "the chain's start"
            detail = f"its prev_hash does not match {before}"
        elif entry.entry_hash != legacy_hash(entry):
            detail = "its hash does not match its contents"
        else:
            prev_id, prev_hash = entry.id, entry.entry_hash
            continue
        found(Finding("chain_broken", _name(entry), detail))
        break
    return checked
