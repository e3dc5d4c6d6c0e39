"""The worker never runs more activities (local ones included) than the database pool can
serve, lets a cached workflow's task wait for it under load, and drains on SIGTERM: running
tasks get DRAIN to finish (issue 15, deliverable 12)."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta

from runtime.deps import Deps
from workers.worker import DRAIN, build_worker, db_capacity, run_worker


async def test_activity_concurrency_is_bounded_by_the_database_pool(
    time_skipping_env, settings, task_queue
):
    deps = Deps.from_settings(settings, pool_size=3)
    try:
        assert db_capacity(deps) == 3 + deps.engine.pool._max_overflow  # type: ignore[attr-defined]
        worker = build_worker(
            time_skipping_env.client, deps, settings.model_copy(update={"task_queue": task_queue})
        )
        config = worker.config()
        slots = config["tuner"].activity_slot_supplier.num_slots  # type: ignore[union-attr]
        assert slots == min(settings.worker_activity_slots, db_capacity(deps))
        # The ledger's local activities (patch lean) share the pool: both kinds together fit.
        local = config["tuner"].local_activity_slot_supplier.num_slots  # type: ignore[union-attr]
        assert local >= 1 and slots + local <= db_capacity(deps)
        assert config["graceful_shutdown_timeout"] == DRAIN
        # A busy worker's cached workflows wait for it (a burst) rather than being replayed
        # elsewhere after the SDK's 10 s.
        wait = config["sticky_queue_schedule_to_start_timeout"]
        assert (
            wait
            == timedelta(seconds=settings.worker_sticky_task_wait_seconds)
            == timedelta(seconds=60)
        )
    finally:
        await deps.close()


async def test_sigterm_stops_the_worker_cleanly(time_skipping_env, settings, task_queue):
    target = time_skipping_env.client.service_client.config.target_host
    cfg = settings.model_copy(update={"task_queue": task_queue, "temporal_address": target})
    running = asyncio.create_task(run_worker(cfg))
    await asyncio.sleep(2)  # connected and polling
    assert not running.done()
    os.kill(os.getpid(), signal.SIGTERM)  # the handler run_worker installed takes it
    await asyncio.wait_for(running, timeout=DRAIN.total_seconds() + 10)
