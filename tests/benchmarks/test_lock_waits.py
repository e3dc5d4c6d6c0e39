"""The bench's lock-wait sampler sees a transaction blocked on another's row lock, and names
both statements (its figures: the bench's `postgres_lock_waits`)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from benchmarks.lock_waits import sampled


async def test_a_blocked_update_is_seen_with_its_blocker(deps):
    async with deps.engine.begin() as setup:
        await setup.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (id int PRIMARY KEY)"))
        await setup.execute(text("INSERT INTO lock_probe VALUES (1) ON CONFLICT DO NOTHING"))
    async with deps.engine.connect() as holder, deps.engine.connect() as waiter:
        await holder.begin()
        await holder.execute(text("UPDATE lock_probe SET id = 1 WHERE id = 1"))
        async with sampled(deps) as waits:
            blocked = asyncio.create_task(
                waiter.execute(text("UPDATE lock_probe SET id = 1 WHERE id = 1"))
            )
            await asyncio.sleep(0.5)
            await holder.rollback()
            await blocked
        figures = waits.figures(1)
    assert figures["lock_wait_s"] > 0.2 and figures["most_waiting_at_once"] == 1
    (seen,) = figures["most_waited_statements"]
    assert (
        seen.startswith("transactionid") and "UPDATE lock_probe SET id = 1 WHERE id = 1 <-" in seen
    )
    assert seen.endswith("<- UPDATE lock_probe SET id = 1 WHERE id = 1")
