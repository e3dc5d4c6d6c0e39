"""The Temporal floor: the least a workflow can do, served by a worker process of its own.

Run as `python -m benchmarks.floor_worker`; it reads the same PROFITSHARE_* settings and
builds the same client (data converter and payload codec) as `profitshare worker`, so the
only difference from the share workflow's worker is the work itself.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker

TASK_QUEUE = "bench-floor"


@activity.defn(name="floor_noop")
async def noop() -> None:
    return None


@workflow.defn(name="FloorEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name="FloorOneActivity")
class OneActivityWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn(name="FloorSignal")
class SignalWorkflow:
    def __init__(self) -> None:
        self._done = False

    @workflow.signal
    def done(self) -> None:
        self._done = True

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._done)


async def _serve() -> None:
    from config.settings import get_settings
    from runtime.client import connect

    client = await connect(get_settings())
    await Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[EmptyWorkflow, OneActivityWorkflow, SignalWorkflow],
        activities=[noop],
    ).run()


if __name__ == "__main__":
    asyncio.run(_serve())
