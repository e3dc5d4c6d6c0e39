"""Load kept up while latencies are timed: profit events arriving at a fixed rate.

Issue 20 asks for the risk and read latencies "under load". A machine driven past its
capacity queues every request, and what is timed there is the queue, not the service; so the
load here is half the steady intake rate this run measured: busy, not overloaded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from benchmarks.intake import post_event
from benchmarks.load import say


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
