"""A `limits` storage in PostgreSQL, so every API process counts against the same window.

The `limits` library brings the strategies (here its moving window: "at most N in any
T minutes", exact at the edges); it ships storages for Redis, memcached and MongoDB but
not for PostgreSQL, which is the one shared store this system already runs. Each hit is a
row; a per-key advisory lock makes check-and-insert atomic across processes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from limits.aio.storage import MovingWindowSupport, Storage
from sqlalchemy import ARRAY, BigInteger, Integer, String, bindparam, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import autocommit
from db.models import RateLimitHit, RateLimitWindow

# Every address and token seen leaves a row; now and then a request also drops a batch of
# rows whose window has ended, so the table holds about one window's worth of keys.
SWEEP_CHANCE = 0.01
_SWEEP = delete(RateLimitWindow).where(
    RateLimitWindow.key.in_(
        select(RateLimitWindow.key)
        .where(RateLimitWindow.expires_at < func.now())
        .limit(1000)
        .with_for_update(skip_locked=True)  # a row being counted right now is left alone
    )
)

# One statement for any number of keys, built once: the ORM's multi-row insert was compiled
# again on every request (a seventh of the API's CPU by profile). An expired window restarts
# at this hit.
_COUNT = text(
    """
    INSERT INTO rate_limit_windows (key, count, expires_at)
    SELECT key, amount, now() + make_interval(secs => expiry)
    FROM unnest(:keys, :expiries, :amounts) AS hit(key, expiry, amount)
    ORDER BY key
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_windows.expires_at <= now() THEN excluded.count
                     ELSE rate_limit_windows.count + excluded.count END,
        expires_at = CASE WHEN rate_limit_windows.expires_at <= now() THEN excluded.expires_at
                          ELSE rate_limit_windows.expires_at END
    RETURNING key, count, expires_at
    """
).bindparams(
    bindparam("keys", type_=ARRAY(String)),
    bindparam("expiries", type_=ARRAY(Integer)),
    bindparam("amounts", type_=ARRAY(BigInteger)),
)


class _InPostgres(Storage):
    """What both storages share: the sessions, the errors, and clearing their one table."""

    _table: type[RateLimitHit] | type[RateLimitWindow]

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(wrap_exceptions=False)
        self._sessions = sessions

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    async def check(self) -> bool:
        try:
            async with self._sessions() as s:
                await s.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    async def reset(self) -> int | None:
        async with self._sessions.begin() as s:
            result = await s.execute(delete(self._table))
        return getattr(result, "rowcount", None)

    async def clear(self, key: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(delete(self._table).where(self._table.key == key))


class PostgresStorage(_InPostgres, MovingWindowSupport):
    STORAGE_SCHEME = ["profitshare+postgresql"]
    _table = RateLimitHit

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        async with self._sessions.begin() as s:
            await s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
            now = (await s.execute(select(func.now()))).scalar_one()
            await s.execute(
                delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.expires_at <= now)
            )
            held = (
                await s.execute(select(func.count()).where(RateLimitHit.key == key))
            ).scalar_one()
            if held + amount > limit:
                return False
            expires = now + timedelta(seconds=expiry)
            s.add_all(RateLimitHit(key=key, at=now, expires_at=expires) for _ in range(amount))
            return True

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        async with self._sessions() as s:
            row = (
                await s.execute(
                    select(func.min(RateLimitHit.at), func.count()).where(
                        RateLimitHit.key == key, RateLimitHit.expires_at > func.now()
                    )
                )
            ).one()
        oldest, count = row
        start = oldest or datetime.now(UTC)
        return start.timestamp(), int(count)

    # The counter API of `limits` (fixed windows) is not used here; kept coherent anyway.
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        async with self._sessions.begin() as s:
            now = (await s.execute(select(func.now()))).scalar_one()
            expires = now + timedelta(seconds=expiry)
            s.add_all(RateLimitHit(key=key, at=now, expires_at=expires) for _ in range(amount))
        return await self.get(key)

    async def get(self, key: str) -> int:
        return (await self.get_moving_window(key, 0, 0))[1]

    async def get_expiry(self, key: str) -> float:
        async with self._sessions() as s:
            latest = await s.scalar(
                select(func.max(RateLimitHit.expires_at)).where(RateLimitHit.key == key)
            )
        return (latest or datetime.now(UTC)).timestamp()


class PostgresWindowCounters(_InPostgres):
    """Fixed-window counters for the per-request limits (api/throttle.py): one upsert per
    hit, a row per key whatever the limit, restarted when its window has expired."""

    STORAGE_SCHEME = ["profitshare+postgresql-counters"]
    _table = RateLimitWindow

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return (await self.incr_many([(key, expiry, amount)]))[key][0]

    async def incr_many(self, hits: list[tuple[str, int, int]]) -> dict[str, tuple[int, float]]:
        """Counts several (key, expiry seconds, amount) hits in one statement: key -> (count in
        its window, when the window ends). Rows are taken in key order, so two requests
        counting the same keys never wait on each other in a cycle."""
        ordered = sorted(hits)
        params = {
            "keys": [key for key, _, _ in ordered],
            "expiries": [expiry for _, expiry, _ in ordered],
            "amounts": [amount for _, _, amount in ordered],
        }
        async with self._sessions() as s:
            # Every request of one caller counts itself on the same rows (its token, its
            # address): the upsert commits by itself, in the server, so the rows are free the
            # moment it ends. In a transaction of its own they stayed locked until this
            # process came back to send COMMIT, and a busy API process comes back late (the
            # bench saw 20+ requests queued on one row, 40-90 ms each).
            await autocommit(s)
            result = await s.execute(_COUNT, params)
            counts = {key: (int(count), ends.timestamp()) for key, count, ends in result.all()}
        if random.random() < SWEEP_CHANCE:  # on its own, after the count: never waits on it
            async with self._sessions.begin() as s:
                await s.execute(_SWEEP)
        return counts

    async def _row(self, key: str) -> RateLimitWindow | None:
        async with self._sessions() as s:
            return await s.scalar(
                select(RateLimitWindow).where(
                    RateLimitWindow.key == key, RateLimitWindow.expires_at > func.now()
                )
            )

    async def get(self, key: str) -> int:
        row = await self._row(key)
        return row.count if row else 0

    async def get_expiry(self, key: str) -> float:
        row = await self._row(key)
        return (row.expires_at if row else datetime.now(UTC)).timestamp()
