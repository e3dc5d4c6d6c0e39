"""Load kept up while latencies are timed: profit events arriving at a fixed rate.

Issue 20 asks for the risk and read latencies "under load". A machine driven past its
capacity queues every request, and what is timed there is the queue, not the service; so the
load here is half the steady intake rate this run measured: busy, not overloaded.

The load is sent from a process of its own (`arriving_from_elsewhere`), as a load generator
is: sent from the process that times the latencies, each timed call also waited while that
process's event loop sent and read the load's requests.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

import httpx

from benchmarks.intake import post_event
from benchmarks.load import say

# How often the load's process publishes its count, and how long it may take to finish the
# requests in flight once told to stop.
_PUBLISH_S = 0.05
_STOP_TIMEOUT_S = 120.0


@asynccontextmanager
async def arriving(
    api: httpx.AsyncClient, bodies: list[dict], *, per_s: float
) -> AsyncIterator[Callable[[], int]]:
    """Posts `bodies` to intake, `per_s` a second, until the block ends (or they run out);
    yields how many were sent so far."""
    sent = 0
    posts: list[asyncio.Task] = []

    async def feed() -> None:
        nonlocal sent
        due = time.monotonic()
        for body in bodies:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += 1 / per_s
            posts.append(asyncio.create_task(post_event(api, body)))
            sent += 1
        say(f"load: all {len(bodies)} events sent; the load has stopped")

    feeder = asyncio.create_task(feed())
    try:
        yield lambda: sent
    finally:
        feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
        await asyncio.gather(*posts)  # an intake that failed under load fails the run


@asynccontextmanager
async def arriving_from_elsewhere(
    api_url: str, headers: dict[str, str], bodies: list[dict], *, per_s: float
) -> AsyncIterator[Callable[[], int]]:
    """`arriving`, run in a process of its own; yields how many were sent so far. A refused
    event fails the run here, when the block ends."""
    context = multiprocessing.get_context("spawn")  # no copy of this process's event loop
    sent = context.Value("i", 0)
    stop = context.Event()
    process = context.Process(
        target=_load_process,
        args=(api_url, headers, bodies, per_s, sent, stop),
        name="bench-load",
        daemon=True,
    )
    process.start()
    try:
        yield lambda: sent.value
    finally:
        stop.set()
        await asyncio.to_thread(process.join, _STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
        if process.exitcode != 0:
            raise RuntimeError(f"the load's process failed (exit code {process.exitcode})")


def _load_process(
    api_url: str,
    headers: dict[str, str],
    bodies: list[dict],
    per_s: float,
    sent: Synchronized,
    stop: Event,
) -> None:
    async def run() -> None:
        async with (
            httpx.AsyncClient(base_url=api_url, headers=headers, timeout=120) as api,
            arriving(api, bodies, per_s=per_s) as count,
        ):
            while not stop.is_set():
                sent.value = count()
                await asyncio.sleep(_PUBLISH_S)
            sent.value = count()

    asyncio.run(run())
