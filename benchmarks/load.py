"""Driving load: bounded concurrency, waiting for a count to be reached, progress on stderr."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Requests in flight at once from the benchmark: enough to keep one worker and one API
# process busy on a small machine without measuring a queue inside the client.
CONCURRENCY = 32
PROGRESS_EVERY_S = 5.0


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """While the run lasts, anything written to fd 1 (the Temporal core's Rust logger and
    our own log lines included) goes to stderr, so stdout carries the JSON and nothing else."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def say(message: str) -> None:
    """Progress for the person waiting; stdout is kept for the JSON."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def bounded(
    items: Iterable[T], call: Callable[[T], Awaitable[R]], concurrency: int = CONCURRENCY
) -> list[R]:
    gate = asyncio.Semaphore(concurrency)

    async def one(item: T) -> R:
        async with gate:
            return await call(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


async def wait_for_count(
    count: Callable[[], Awaitable[int]],
    target: int,
    *,
    label: str,
    timeout: float,
    poll: float = 0.2,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Polls `count` until it reaches `target`; progress every few seconds; TimeoutError.

    `on_progress` sees the count each time progress is reported.
    """
    started = last_said = time.monotonic()
    while (done := await count()) < target:
        now = time.monotonic()
        if now - started > timeout:
            raise TimeoutError(f"{label}: {done}/{target} after {timeout:.0f}s")
        if now - last_said >= PROGRESS_EVERY_S:
            say(f"{label}: {done}/{target} ({done / (now - started):.1f}/s)")
            last_said = now
            if on_progress is not None:
                on_progress(done)
        await asyncio.sleep(poll)


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else 0.0


@asynccontextmanager
async def in_background(work: Coroutine[object, object, None]) -> AsyncIterator[None]:
    """Runs `work` while the block runs, and stops it when the block ends (samplers, probes)."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
