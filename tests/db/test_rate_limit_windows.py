"""Fixed-window counters in PostgreSQL: counts per key, a fresh window after expiry, and
rows of ended windows swept away so the table does not grow with every address seen."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from db import rate_limits
from db.models import RateLimitWindow
from db.rate_limits import PostgresWindowCounters


async def test_counts_restart_after_the_window_and_ended_windows_are_swept(deps, monkeypatch):
    counters = PostgresWindowCounters(deps.sessions)
    a, b = f"t/{uuid.uuid4().hex}", f"t/{uuid.uuid4().hex}"
    assert (await counters.incr_many([(a, 60, 1), (b, 60, 1)]))[a][0] == 1
    assert {k: v[0] for k, v in (await counters.incr_many([(b, 60, 1), (a, 60, 1)])).items()} == {
        a: 2,
        b: 2,
    }
    assert await counters.get(a) == 2

    async with deps.sessions.begin() as s:  # a's window ends
        await s.execute(
            update(RateLimitWindow)
            .where(RateLimitWindow.key == a)
            .values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 0, 5))
        )
    assert await counters.get(a) == 0
    monkeypatch.setattr(rate_limits, "SWEEP_CHANCE", 1.0)
    assert (await counters.incr_many([(b, 60, 1)]))[b][0] == 3
    async with deps.sessions() as s:
        left = set(
            await s.scalars(select(RateLimitWindow.key).where(RateLimitWindow.key.in_([a, b])))
        )
    assert left == {b}
    assert await counters.incr(a, 60) == 1  # a fresh window


async def test_a_count_commits_on_its_own_and_leaves_the_pool_transactional(deps):
    """The upsert runs in autocommit (its rows are every request's of one caller); the pooled
    connection's next user, which may write money, gets a transaction as always."""
    counters = PostgresWindowCounters(deps.sessions)
    key = f"probe-{uuid.uuid4().hex}"
    assert (await counters.incr_many([(key, 60, 1)]))[key][0] == 1
    for _ in range(3):  # whichever pooled connection comes next
        async with deps.sessions() as s:
            conn = await s.connection()
            assert await conn.get_isolation_level() != "AUTOCOMMIT"
    assert await counters.get(key) == 1
