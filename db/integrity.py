"""`profitshare audit verify`: finds rows changed outside the application.

Two proofs, both recomputed from what is stored:
- every share's seal (HMAC-SHA256 under HASH_KEY over its canonical plaintext record, see
  db/shares.py) still matches: editing an amount, even with a valid Fernet token, breaks it;
- every share balances to the minor unit, with no tolerance (domain/book.py): billed =
  paid − credit − refunded + due + discount granted + waived + written off, and no open
  share has nothing due;
- the audit log's hash chain is unbroken: each entry hashes its own columns and its
  predecessor's hash, so an edited, inserted or deleted entry breaks every link after it.
  Only the first broken link is reported: beyond it the chain proves nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import GENESIS, hash_of
from db.crypto import FieldCipher, RecordHasher
from db.models import AuditEntry, Share
from db.shares import book_of, canonical

STREAM_ROWS = 1000

FindingKind = Literal[
    "share_changed", "share_unsealed", "share_unreadable", "share_unbalanced", "chain_broken"
]


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    subject: str  # the share's event_id, or the audit entry
    detail: str


@dataclass
class IntegrityReport:
    shares: int = 0
    entries: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


async def verify(
    sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, hasher: RecordHasher
) -> IntegrityReport:
    report = IntegrityReport()
    async with sessions() as s:
        report.shares = await _check_shares(s, cipher, hasher, report.findings.append)
        report.entries = await _check_chain(s, report.findings.append)
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


def link_finding(entry: AuditEntry, prev_id: int | None, prev_hash: str) -> Finding | None:
    if entry.prev_hash != prev_hash:
        before = f"entry #{prev_id}" if prev_id is not None else "the chain's start"
        detail = f"its prev_hash does not match {before}"
    elif entry.entry_hash != hash_of(entry):
        detail = "its hash does not match its contents"
    else:
        return None
    return Finding("chain_broken", f"audit_log #{entry.id} ({entry.idempotency_key})", detail)


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


async def _check_chain(s: AsyncSession, found: Callable[[Finding], None]) -> int:
    checked, prev_id, prev_hash = 0, None, GENESIS
    # One statement, one snapshot: entries appended meanwhile are simply not part of this run.
    entries = await s.stream_scalars(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=STREAM_ROWS)
    )
    async for entry in entries:
        checked += 1
        if finding := link_finding(entry, prev_id, prev_hash):
            found(finding)
            break
        prev_id, prev_hash = entry.id, entry.entry_hash
    return checked
