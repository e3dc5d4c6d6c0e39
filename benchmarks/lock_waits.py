"""Lock wait time in PostgreSQL while a phase runs, sampled.

PostgreSQL keeps no running total of time spent waiting for locks, so the bench looks at
`pg_stat_activity` every 20 ms and counts the backends waiting on a lock (the audit
chain heads are row locks: a writer waiting for another's chain shows here). Samples × the
interval estimate the backend-seconds lost to lock waits; per item it says what one event or
payment waited. Issue 20: audited writes on different subjects must not queue behind each
other, so this stays near zero however many workers write.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import text

from benchmarks.load import in_background
from runtime.deps import Deps

INTERVAL_S = 0.02
_WAITING = text(
    "SELECT w.wait_event, left(regexp_replace(w.query, '\\s+', ' ', 'g'), 60), "
    "left(regexp_replace(coalesce(b.query, '?'), '\\s+', ' ', 'g'), 60), "
    "(SELECT string_agg(DISTINCT l.relation::regclass::text, ',') FROM pg_locks l "
    "WHERE l.pid = w.pid AND l.locktype = 'tuple') "
    "FROM pg_stat_activity w "
    "LEFT JOIN pg_stat_activity b ON b.pid = (pg_blocking_pids(w.pid))[1] "
    "WHERE w.wait_event_type = 'Lock' AND w.datname = current_database()"
)
TOP = 5


@dataclass
class LockWaits:
    samples: int = 0
    waiting: int = 0  # backends seen waiting, summed over the samples
    most: int = 0  # the most seen waiting at once
    # "<wait event>[/<table of the row waited for>]: <the waiting statement> <- <the blocker's
    # current or last statement>" -> times seen: what the waits are on, and behind whom.
    statements: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.perf_counter)

    def figures(self, items: int) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        # Each sample stands for the time since the previous one.
        per_sample = seconds / self.samples if self.samples else 0.0
        waited_s = self.waiting * per_sample
        return {
            "lock_wait_s": round(waited_s, 3),
            "lock_wait_ms_per_item": round(waited_s * 1000 / max(items, 1), 3),
            "most_waiting_at_once": self.most,
            "samples": self.samples,
            "most_waited_statements": dict(self.statements.most_common(TOP)),
        }


@contextlib.asynccontextmanager
async def sampled(deps: Deps) -> AsyncIterator[LockWaits]:
    """Samples lock waits until the block ends (one connection, outside the pool's work)."""
    waits = LockWaits()

    async def sample() -> None:
        async with deps.engine.connect() as conn:
            # A statement of its own each time: within one transaction PostgreSQL shows the
            # sessions' statements as they were at its first look (the wait events are live),
            # which named every wait after a COMMIT or ROLLBACK long finished.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            while True:
                rows = (await conn.execute(_WAITING)).all()
                waits.samples += 1
                waits.waiting += len(rows)
                waits.most = max(waits.most, len(rows))
                waits.statements.update(
                    f"{event}{'/' + on if on else ''}: {query} <- {blocker}"
                    for event, query, blocker, on in rows
                )
                await asyncio.sleep(INTERVAL_S)

    async with in_background(sample()):
        yield waits
