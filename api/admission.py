"""The intake starter: starts queued profit events' share workflows, a window at a time.

Intake records an event and answers 202 at once; this loop (one per API process, started in
its lifespan) starts the workflows. It lets no more shares open at once than `window`, so a
burst of thousands waits in PostgreSQL, where waiting costs nothing, instead of in the
workers' caches, where it evicts and replays workflows and runs tasks past their timeouts
(issue 20, bursts).

No event is left unstarted, whatever dies when:
- the queue is the `profit_events` table, written before the 202;
- a round claims rows (FOR UPDATE SKIP LOCKED), starts their workflows and marks them
  started in one transaction: if the process dies after a start and before the commit, the
  rows are queued again and the repeated start is a no-op (USE_EXISTING, REJECT_DUPLICATE);
- a start Temporal refuses leaves its row queued for the next round;
- a row whose body cannot be read (its key gone) is logged, counted as queued, and passed
  over, so it never holds up the events behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime

import structlog
from temporalio.client import Client

from db import admission
from db.crypto import FieldCipher
from domain.models import ProfitEvent
from workflows.share_client import ShareClient

log = structlog.get_logger()

# Starts in flight together in one round (one transaction, one UPDATE).
BATCH = 64
# How often the queue is looked at without a kick: other replicas' events, a crashed
# process's, and the room that opens as shares finish opening.
POLL_SECONDS = 0.5
# After a round that failed (the database or Temporal is down).
BACKOFF_SECONDS = 2.0


class Starter:
    def __init__(
        self,
        sessions,
        cipher: FieldCipher,
        temporal: Callable[[], Awaitable[Client]],
        *,
        task_queue: str,
        window: int,
    ) -> None:
        self._sessions, self._cipher, self._temporal = sessions, cipher, temporal
        self._task_queue, self._window = task_queue, window
        self._kicked = asyncio.Event()
        self._full = False  # the last round found no room: kicks cannot make any
        self._unreadable: set[str] = set()

    def kick(self) -> None:
        """An event was queued: look now rather than at the next poll."""
        self._kicked.set()

    async def run(self) -> None:
        """The API's background loop (started in its lifespan)."""
        while True:
            try:
                while await self.round():
                    pass
            except Exception:  # the database or Temporal is down: the next round retries
                log.exception("intake starter round failed")
                await asyncio.sleep(BACKOFF_SECONDS)
            await self._wait()

    async def _wait(self) -> None:
        if self._full:  # room comes from shares opening, not from events arriving
            await asyncio.sleep(POLL_SECONDS)
        else:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._kicked.wait(), POLL_SECONDS)
        self._kicked.clear()

    async def round(self) -> int:
        """Starts up to one batch of queued events, as far as the window has room; returns
        how many it started (0: nothing queued, or no room)."""
        async with self._sessions.begin() as s:
            queued = await admission.claim_queued(s, BATCH, skip=self._unreadable)
            if not queued:
                self._full = False
                return 0
            now = datetime.now(UTC)
            room = self._window - await admission.opening(s, now)
            taken = queued[: max(0, room)]
            self._full = room <= len(taken)
            if not taken:
                return 0
            events = [e for e in map(self._read, taken) if e is not None]
            client = ShareClient(await self._temporal(), self._task_queue)
            outcomes = await asyncio.gather(*map(client.start, events), return_exceptions=True)
            started = [e.event_id for e, o in zip(events, outcomes, strict=True) if o is None]
            await admission.mark_started(s, started, now)
        failed = [o for o in outcomes if o is not None]
        if failed:
            log.warning("some starts failed; they stay queued", failed=len(failed))
            raise failed[0] if isinstance(failed[0], Exception) else RuntimeError(str(failed[0]))
        return len(started)

    def _read(self, queued: admission.Queued) -> ProfitEvent | None:
        try:
            return ProfitEvent.model_validate_json(self._cipher.decrypt(queued.body_enc))
        except Exception:  # no retry reads it: ops must (the key, the row), and others go on
            log.exception("a queued profit event cannot be read", event_id=queued.event_id)
            self._unreadable.add(queued.event_id)
            return None
