"""Rate-limit counts kept in this process and added to PostgreSQL in batches.

Counting every request in PostgreSQL (db/rate_limits.PostgresWindowCounters) cost each
request two round trips of its own (the pool's pre-ping and the upsert), on the two rows all
of one caller's requests share (its address, its token): under load the reads waited on them
(issue 20's standing read p95). Here:

- the first hit of a key in a window is counted in PostgreSQL before the request goes on: it
  learns the window's end and what every process has counted so far;
- later hits are counted in this process and added to PostgreSQL every FLUSH_S seconds, all
  keys in one statement, whose answer brings back every process's count again.

One API process counts exactly, as before. Several share the counts with a lag: a caller
spread across them can pass a limit by what the others counted in their last FLUSH_S
(docs/gateways.md, "Rate limits"). A batch that fails stays counted here and goes with the
next one; a window that has ended is forgotten here with whatever of it was not sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextvars import Context
from dataclasses import dataclass

import structlog
from sqlalchemy.exc import SQLAlchemyError

from db.rate_limits import PostgresWindowCounters

log = structlog.get_logger()

FLUSH_S = 0.1

Hit = tuple[str, int, int]  # key, window length in seconds, amount


@dataclass
class _Window:
    ends: float  # epoch seconds: PostgreSQL's expires_at
    seconds: int
    known: int  # every process's count, as of PostgreSQL's last answer
    pending: int = 0  # counted here since, not sent yet

    def count(self) -> int:
        return self.known + self.pending


class BatchedWindowCounts:
    def __init__(
        self,
        counters: PostgresWindowCounters,
        *,
        flush_s: float = FLUSH_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._counters = counters
        self._flush_s, self._clock = flush_s, clock
        self._windows: dict[str, _Window] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._forgotten_at = float("-inf")

    async def incr_many(self, hits: list[Hit]) -> dict[str, tuple[int, float]]:
        """Counts the hits; key -> (its window's count with these hits, when it ends). Same
        answer as PostgresWindowCounters.incr_many's, in one process."""
        now, answer, first = self._clock(), {}, []
        for key, seconds, amount in hits:
            window = self._windows.get(key)
            if window is not None and window.ends > now:
                window.pending += amount
                answer[key] = (window.count(), window.ends)
            else:
                first.append((key, seconds, amount))
        if answer and self._flusher is None:
            # Not the request's context (its log fields, its counters): the batch is no one's.
            self._flusher = asyncio.create_task(self._flush_soon(), context=Context())
        if first:
            self._forget_ended(now)
            for key, _, _ in first:
                self._windows.pop(key, None)  # ended: what was not sent limits no one now
            answered = await self._counters.incr_many(first)
            self._learn(first, answered)
            answer |= {key: answered[key] for key, _, _ in first}
        return answer

    async def flushed(self) -> None:
        """Waits until what was counted here has been sent (for tests: a process that stops
        loses at most its last FLUSH_S of counts)."""
        while self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    def held(self) -> int:
        """How many keys' windows this process holds."""
        return len(self._windows)

    def _forget_ended(self, now: float) -> None:
        """Drops the windows that have ended, at most once a FLUSH_S: a caller new in every
        request (a flood from many addresses) is never batched, so flushes alone would not."""
        if now < self._forgotten_at + self._flush_s:
            return
        self._forgotten_at = now
        for key in [k for k, w in self._windows.items() if w.ends <= now]:
            del self._windows[key]  # ended: what was not sent limits no one now

    def _learn(self, sent: list[Hit], answered: dict[str, tuple[int, float]]) -> None:
        for key, seconds, _ in sent:
            count, ends = answered[key]
            held = self._windows.get(key)
            if held is not None and held.ends == ends:
                # Answers can come back out of order: the larger count is the later one.
                held.known = max(held.known, count)
            else:
                self._windows[key] = _Window(ends, seconds, count, held.pending if held else 0)

    async def _flush_soon(self) -> None:
        try:
            while True:
                await asyncio.sleep(self._flush_s)
                if not await self._flush():
                    return
        finally:
            self._flusher = None

    async def _flush(self) -> bool:
        """Sends what was counted here; True while there is more to send."""
        self._forget_ended(self._clock())
        batch = [(k, w.seconds, w.pending) for k, w in self._windows.items() if w.pending]
        if not batch:
            return False
        for key, _, _ in batch:
            self._windows[key].pending = 0
        try:
            answered = await self._counters.incr_many(batch)
        except (SQLAlchemyError, OSError, TimeoutError) as err:
            log.warning("rate limit counts not sent; kept for the next batch", error=str(err))
            for key, _, amount in batch:
                if key in self._windows:
                    self._windows[key].pending += amount
            return True
        self._learn(batch, answered)
        return any(w.pending for w in self._windows.values())
