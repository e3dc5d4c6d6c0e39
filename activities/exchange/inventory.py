"""Sessions of one account in order, and their lots written under the account's row lock.

A session waits while an earlier session of its account is not settled (verified and
applied, or resolved by an admin): the verify activity fails with the retryable
EARLIER_SESSION_PENDING, whose message (and heartbeat) names what it waits for, and
Temporal retries it durably. Lot updates happen in one transaction holding the book's row
lock, taken after the audit chain's lock like every audited write (db/audit.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db import audit
from db import inventory as books
from db.audit import Actor, Auditor
from db.crypto import FieldCipher
from domain.models import VerificationSummary
from domain.pnl import Lot

EARLIER_SESSION_PENDING = "EarlierSessionPending"
INVENTORY_MOVED = "InventoryMoved"


def waiting(message: str) -> ApplicationError:
    """Retryable: Temporal tries again with backoff; the message shows in the Temporal UI."""
    with contextlib.suppress(RuntimeError):  # outside an activity: a direct call in a test
        activity.heartbeat(message)
    return ApplicationError(message, type=EARLIER_SESSION_PENDING)


async def wait_for_earlier(
    s: AsyncSession, account_id: str, event_id: str, start: datetime
) -> None:
    """Raises EARLIER_SESSION_PENDING while an earlier session of the account is unsettled."""
    earlier = await books.earlier_unsettled(s, account_id, event_id, start)
    if earlier:
        names = ", ".join(
            f"{other} ({'held for review' if state == books.HELD else 'not verified yet'})"
            for other, state in earlier
        )
        raise waiting(f"waiting for earlier sessions of the account: {names}")


async def stored_summary(
    s: AsyncSession, cipher: FieldCipher, event_id: str
) -> VerificationSummary | None:
    """The summary already written for this session (a retried activity returns it again)."""
    row = await books.session_row(s, event_id)
    if row is None or row.summary_enc is None:
        return None
    return VerificationSummary.model_validate_json(cipher.decrypt(row.summary_enc))


async def commit(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    *,
    account_id: str,
    event_id: str,
    read_version: int,
    summary: VerificationSummary,
    lots_if_approved: Sequence[Lot],
    lots_if_rejected: Sequence[Lot],
    balances: dict[str, Decimal],
    snapshot_at: datetime,
    at: datetime,
) -> VerificationSummary:
    """Writes the session's outcome: applied (lots move now) or held for an admin.

    Raises INVENTORY_MOVED (retryable) when the book changed since it was read: the
    verification is then redone on the new book rather than written over it.
    """
    cipher = auditor.cipher
    held = bool(summary.reasons)
    state = books.HELD if held else books.APPLIED
    async with sessions.begin() as s:
        already = await stored_summary(s, cipher, event_id)
        if already is not None:
            return already
        # The account's own chain, before its book's row lock (db/audited.py's lock order).
        await audit.lock_chain(s, f"account/{account_id}")
        await audit.append(
            s,
            auditor,
            at=at,
            actor="system",
            action=f"inventory.session_{state}",
            subject=f"account/{account_id}",
            key=f"inventory:{event_id}:verified",
            details={"event_id": event_id, "lots": len(lots_if_approved), "held": held},
        )
        book = await books.lock_book(s, cipher, account_id)
        if book.version != read_version:
            raise ApplicationError(
                "the account's inventory moved; verifying again", type=INVENTORY_MOVED
            )
        await books.write_book(
            s,
            cipher,
            account_id,
            lots=book.lots if held else lots_if_approved,
            at=at,
            balances=balances,
            snapshot_at=snapshot_at,
        )
        await books.add_snapshot(
            s,
            cipher,
            account_id,
            taken_at=snapshot_at,
            kind="verification",
            balances=balances,
            event_id=event_id,
        )
        row = await books.session_row(s, event_id)
        assert row is not None, "enlisted before verification"
        row.state = state
        row.summary_enc = cipher.encrypt(summary.model_dump_json())
        if held:
            row.lots_if_approved_enc = books.encode_lots(cipher, lots_if_approved)
            row.lots_if_rejected_enc = books.encode_lots(cipher, lots_if_rejected)
        row.updated_at = at
    return summary


async def resolve_review(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    *,
    event_id: str,
    approve: bool,
    actor: Actor | str,
    at: datetime,
    symbols: Sequence[str] = (),
) -> str | None:
    """An admin's decision on a held session moves the lots as a verification would:
    approve applies the lots computed from its fills; reject keeps what its fills did to
    the quantities but with unknown cost. A session never verified (no fills read) leaves
    its symbols' lots with unknown cost. Returns the new state, None if nothing was held.
    """
    cipher = auditor.cipher
    async with sessions.begin() as s:
        row = await books.session_row(s, event_id)
        if row is None or row.state not in (books.HELD, books.PENDING):
            return None
        state = books.APPLIED if approve and row.state == books.HELD else books.REJECTED
        await audit.lock_chain(s, f"account/{row.account_id}")
        await audit.append(
            s,
            auditor,
            at=at,
            actor=actor,
            action=f"inventory.review_{state}",
            subject=f"account/{row.account_id}",
            key=f"inventory:{event_id}:review",
            details={"event_id": event_id, "from": row.state, "to": state},
        )
        book = await books.lock_book(s, cipher, row.account_id)
        if row.state == books.HELD:
            token = row.lots_if_approved_enc if approve else row.lots_if_rejected_enc
            lots = books.decode_lots(cipher, token)
        else:
            bases = {symbol.partition("/")[0] for symbol in symbols}
            lots = tuple(
                replace(lot, price=None) if lot.asset in bases else lot for lot in book.lots
            )
        await books.write_book(s, cipher, row.account_id, lots=lots, at=at)
        row.state = state
        row.updated_at = at
    return state
