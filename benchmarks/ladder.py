"""The whole ladder in fast time: shares opened on the Temporal time-skipping test server,
then day 0 to day 60 (reminders, warning, suspension, lock, collections) for all of them.

The worker and the API run in this process, on the run's Postgres and emulator; the clock
is the test server's, so 60 days pass as fast as the worker writes the stages.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

from activities.exchange.clients import POOL as CLIENTS
from api.app import create_app
from benchmarks.intake import intake_to_open
from benchmarks.load import say, wait_for_count
from benchmarks.sessions import backend_headers, seed_events
from benchmarks.stack import BenchStack
from db.models import Share
from domain.ladder import COLLECTIONS_DAY, Level
from runtime.client import data_converter
from runtime.deps import Deps
from runtime.search_attributes import register
from stack.temporal import BIN
from workers.worker import build_worker

TEST_SERVER = BIN / "temporal-test-server"


async def _at_collections(deps: Deps) -> int:
    async with deps.sessions() as s:
        return await s.scalar(
            select(func.count())
            .select_from(Share)
            .where(Share.event_id.like("evt_ladder_%"), Share.level == Level.COLLECTIONS)
        )


async def _last_day0(deps: Deps) -> datetime:
    async with deps.sessions() as s:
        return await s.scalar(
            select(func.max(Share.recorded_at)).where(Share.event_id.like("evt_ladder_%"))
        )


async def _skip_to(env: WorkflowEnvironment, moment: datetime, *, timeout: float) -> None:
    """`env.sleep`, with room to wait: the server moves its clock only as fast as the worker
    handles each stage, and for a thousand shares that outlasts the RPC's default timeout.

    The server skips to the next timer only when no task is outstanding, and each share's
    stages fall due at their own moments, so the walk is one stage of one share at a time:
    about 8 steps per share, in sequence."""
    request = SleepRequest()
    request.duration.FromTimedelta(moment - await env.get_current_time())
    await env.client.test_service.unlock_time_skipping_with_sleep(
        request, timeout=timedelta(seconds=timeout)
    )


async def ladder_walk(stack: BenchStack, deps: Deps, n: int, *, timeout: float) -> dict:
    """Opens `n` shares on the time-skipping server, then times day 0 → day 60 for all."""
    if not TEST_SERVER.exists():
        raise SystemExit(f"{TEST_SERVER} is missing: install the test extra (./scripts/bench does)")
    settings = stack.settings.model_copy(
        update={
            "task_queue": "bench-ladder",
            # One process holds every ladder share: a timer of each share fires in turn, so a
            # cache smaller than the ladder evicts each share before its next stage (LRU under
            # a cyclic walk misses every time) and every stage replays the history from scratch.
            "worker_max_cached_workflows": max(stack.settings.worker_max_cached_workflows, n + 50),
        }
    )
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter(settings), test_server_existing_path=str(TEST_SERVER)
    )
    try:
        await register(env.client, "default")
        app = create_app(settings, deps=deps, temporal=env.client)
        async with (
            build_worker(env.client, deps, settings),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers=backend_headers(settings),
                timeout=60,
            ) as api,
        ):
            bodies = await seed_events(api, stack.emulator_url, "ladder", n)
            open_s = await intake_to_open(api, deps, "ladder", bodies, timeout=timeout)
            say(f"ladder: {n} shares open in {open_s:.0f}s; walking 60 days")
            started = time.perf_counter()
            day60 = await _last_day0(deps) + timedelta(days=COLLECTIONS_DAY, minutes=1)
            await _skip_to(env, day60, timeout=timeout)
            await wait_for_count(
                lambda: _at_collections(deps), n, label="ladder at collections", timeout=timeout
            )
            ladder_s = time.perf_counter() - started
    finally:
        await CLIENTS.close()  # the in-process worker's exchange clients (run_worker's duty)
        await env.shutdown()
    return {"ladder_shares": n, "ladder_s": round(ladder_s, 1), "ladder_open_s": round(open_s, 1)}
