"""Key rotation: re-encrypts every FERNET_KEYS token under the first key, while the app runs.

Which columns: every column declared with `db.models.encrypted()` on a table of
`Base.metadata`. That declaration is the one registry: a new table joins rotation by
declaring its ciphertext columns with `encrypted()` (and being imported by db/models.py),
nothing here changes. tests/db/test_rotation.py fails for an `*_enc` column in the migrated
schema that is not declared so. The audit log is the one exception: it can never be rewritten,
so its details are under a data key (audit_keys.key_enc, an `encrypted()` column) that
rotation re-wraps instead.

How: each table is walked in primary-key order in small batches, each batch its own short
transaction holding row locks (SELECT ... FOR UPDATE), so application writes wait at most one
batch and no write is lost between reading a token and replacing it. Only tokens the first key
cannot read are rewritten: a second run, or a run resumed after a crash, rewrites nothing that
is already current. Rotate after every process runs with the new key first in FERNET_KEYS and
the old key still listed; remove the old key once this reports nothing left to rotate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, MetaData, Table, select, text, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.crypto import FieldCipher
from db.models import ENCRYPTED, Base

BATCH_ROWS = 200
# A batch that meets a deadlock (or waits too long on a busy row) is simply tried again.
_RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}
_ATTEMPTS = 5
_LOCK_TIMEOUT = "5s"
T = TypeVar("T")


@dataclass
class TableRotation:
    table: str
    rows: int = 0  # rows read
    rotated: int = 0  # tokens rewritten under the first key
    unreadable: int = 0  # tokens no configured key can read (left as they are)


def encrypted_columns(metadata: MetaData = Base.metadata) -> Iterator[tuple[Table, list[Column]]]:
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if column.info.get(ENCRYPTED)]
        if columns:
            yield table, columns


async def rotate_all(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    *,
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[TableRotation], None] | None = None,
) -> list[TableRotation]:
    results = []
    for table, columns in encrypted_columns():
        result = TableRotation(table.name)
        last: tuple | None = None
        while True:
            last, count = await _retrying(
                _rotate_batch, sessions, cipher, table, columns, last, batch_rows, result
            )
            if on_batch is not None:
                on_batch(result)
            if count < batch_rows:
                break
        results.append(result)
    return results


async def _rotate_batch(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    table: Table,
    columns: list[Column],
    after: tuple | None,
    batch_rows: int,
    result: TableRotation,
) -> tuple[tuple | None, int]:
    """Rotates the next `batch_rows` rows after key `after`; returns the last key and the count.

    `result` is updated only once the batch has committed, so a retried batch counts once.
    """
    key = list(table.primary_key.columns)
    query = select(*key, *columns).order_by(*key).limit(batch_rows).with_for_update()
    if after is not None:
        query = query.where(tuple_(*key) > tuple_(*after))
    rotated = unreadable = 0
    async with sessions.begin() as s:
        await s.execute(text(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'"))
        rows = (await s.execute(query)).all()
        for row in rows:
            changes = {}
            for column in columns:
                token = row._mapping[column]
                if token is None or cipher.is_current(token):
                    continue
                try:
                    changes[column.name] = cipher.rotate(token)
                except InvalidToken:
                    unreadable += 1
            if changes:
                where = [column == row._mapping[column] for column in key]
                await s.execute(update(table).where(*where).values(changes))
                rotated += len(changes)
    result.rows += len(rows)
    result.rotated += rotated
    result.unreadable += unreadable
    last = tuple(rows[-1][: len(key)]) if rows else after
    return last, len(rows)


async def _retrying(batch: Callable[..., Awaitable[T]], *args: object) -> T:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return await batch(*args)
        except DBAPIError as err:
            sqlstate = getattr(err.orig, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES or attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")
