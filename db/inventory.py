"""The inventory ledger in Postgres: an account's lots and balance snapshots, encrypted.

Every change to an account's lots goes through `lock_book` inside one transaction, so two
verifications (or a verification and an admin's review decision) of one account are
serialised by the row lock and never interleave their lot updates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import BalanceSnapshot, InventoryBook, InventorySession
from domain.pnl import Lot

PENDING, APPLIED, HELD, REJECTED = "pending", "applied", "held", "rejected"
# States after which later sessions of the account may go ahead.
SETTLED = frozenset({APPLIED, REJECTED})
_KEPT = "inventory_rows_kept"
Row = TypeVar("Row", InventoryBook, InventorySession)


def _kept(s: AsyncSession, row: Row | None) -> Row | None:
    """`row`, kept referenced while the session lives. The session's identity map holds rows
    weakly: a row read and dropped (its Book made, its summary decoded) would be read from
    PostgreSQL again by the next `s.get` in the same activity; kept, that get is free."""
    if row is not None:
        s.info.setdefault(_KEPT, []).append(row)
    return row


@dataclass(frozen=True)
class Book:
    """An account's inventory as last written."""

    lots: tuple[Lot, ...]
    balances: dict[str, Decimal] | None
    snapshot_at: datetime | None
    registered_at: datetime | None
    version: int


EMPTY = Book(lots=(), balances=None, snapshot_at=None, registered_at=None, version=0)


def encode_lots(cipher: FieldCipher, lots: Sequence[Lot]) -> str:
    return cipher.encrypt(json.dumps([lot.to_json() for lot in lots]))


def decode_lots(cipher: FieldCipher, token: str | None) -> tuple[Lot, ...]:
    if token is None:
        return ()
    return tuple(Lot.from_json(item) for item in json.loads(cipher.decrypt(token)))


def encode_amounts(cipher: FieldCipher, amounts: Mapping[str, Decimal]) -> str:
    return cipher.encrypt(json.dumps({asset: str(v) for asset, v in sorted(amounts.items())}))


def decode_amounts(cipher: FieldCipher, token: str | None) -> dict[str, Decimal] | None:
    if token is None:
        return None
    return {asset: Decimal(v) for asset, v in json.loads(cipher.decrypt(token)).items()}


def _book(cipher: FieldCipher, row: InventoryBook | None) -> Book:
    if row is None:
        return EMPTY
    return Book(
        lots=decode_lots(cipher, row.lots_enc),
        balances=decode_amounts(cipher, row.balances_enc),
        snapshot_at=row.snapshot_at,
        registered_at=row.registered_at,
        version=row.version,
    )


async def read_book(s: AsyncSession, cipher: FieldCipher, account_id: str) -> Book:
    return _book(cipher, await s.get(InventoryBook, account_id))


async def lock_book(s: AsyncSession, cipher: FieldCipher, account_id: str) -> Book:
    """The account's book, its row locked until the transaction ends (created if absent)."""
    await s.execute(
        insert(InventoryBook)
        .values(account_id=account_id, lots_enc=encode_lots(cipher, ()), version=0)
        .on_conflict_do_nothing()
    )
    row = await s.scalar(
        select(InventoryBook).where(InventoryBook.account_id == account_id).with_for_update()
    )
    return _book(cipher, _kept(s, row))  # write_book gets it again


async def write_book(
    s: AsyncSession,
    cipher: FieldCipher,
    account_id: str,
    *,
    lots: Sequence[Lot],
    at: datetime,
    balances: Mapping[str, Decimal] | None = None,
    snapshot_at: datetime | None = None,
    registered_at: datetime | None = None,
) -> None:
    """Writes the locked book; balances and times are kept when not given."""
    row = await s.get(InventoryBook, account_id)
    assert row is not None, "lock_book first"
    row.lots_enc = encode_lots(cipher, lots)
    if balances is not None:
        row.balances_enc = encode_amounts(cipher, balances)
        row.snapshot_at = snapshot_at
    if registered_at is not None:
        row.registered_at = registered_at
    row.version += 1
    row.updated_at = at


async def add_snapshot(
    s: AsyncSession,
    cipher: FieldCipher,
    account_id: str,
    *,
    taken_at: datetime,
    kind: str,
    balances: Mapping[str, Decimal],
    event_id: str | None = None,
    valuation: Mapping[str, Decimal] | None = None,
) -> None:
    s.add(
        BalanceSnapshot(
            account_id=account_id,
            taken_at=taken_at,
            kind=kind,
            event_id=event_id,
            balances_enc=encode_amounts(cipher, balances),
            valuation_enc=None if valuation is None else encode_amounts(cipher, valuation),
        )
    )


async def enlist_session(
    s: AsyncSession, account_id: str, event_id: str, start: datetime, end: datetime
) -> None:
    """Puts the session in its account's order (pending) unless it is there already."""
    await s.execute(
        insert(InventorySession)
        .values(
            event_id=event_id,
            account_id=account_id,
            session_start=start,
            session_end=end,
            state=PENDING,
        )
        .on_conflict_do_nothing()
    )


async def session_row(s: AsyncSession, event_id: str) -> InventorySession | None:
    return _kept(s, await s.get(InventorySession, event_id))


def _earlier(account_id: str, event_id: str, start: datetime) -> ColumnElement[bool]:
    """The account's sessions before this one in its order (start, then event id)."""
    return (
        (InventorySession.account_id == account_id)
        & (InventorySession.event_id != event_id)
        & (
            (InventorySession.session_start < start)
            | ((InventorySession.session_start == start) & (InventorySession.event_id < event_id))
        )
    )


async def previous_end(
    s: AsyncSession, account_id: str, event_id: str, start: datetime
) -> datetime | None:
    """When the account's sessions before this one last ended: fills after it that no
    session reported are this session's to explain, even those read before its snapshot."""
    return await s.scalar(
        select(func.max(InventorySession.session_end)).where(_earlier(account_id, event_id, start))
    )


async def earlier_unsettled(
    s: AsyncSession, account_id: str, event_id: str, start: datetime
) -> list[tuple[str, str]]:
    """(event id, state) of the account's sessions before this one not yet applied or
    rejected, oldest first: this session must wait for them."""
    rows = await s.execute(
        select(InventorySession.event_id, InventorySession.state)
        .where(_earlier(account_id, event_id, start), InventorySession.state.not_in(SETTLED))
        .order_by(InventorySession.session_start, InventorySession.event_id)
    )
    return [(row.event_id, row.state) for row in rows]
