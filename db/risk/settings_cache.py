"""The fraud settings in force, cached per process so an assessment costs no settings query.

What the cache holds is checked against Postgres (the newest version number, one indexed
lookup; the document is reloaded only when that number moved) on two clocks:

- after REFRESH_AFTER seconds, the next assessment still gets what is held at once, and the
  check runs beside it: under load an assessment never waits for it (issue 20's risk p99:
  every half second one assessment used to pay two more round trips);
- after TRUSTED_FOR seconds (an idle process), the next assessment waits for the check.

So nothing older than TRUSTED_FOR seconds is ever used, which is how "a new threshold applies
within a second everywhere" holds. A change saved in this process invalidates the cache at
once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextvars import Context

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import autocommit
from db.risk import settings_store
from db.risk.settings_store import SettingsVersion

log = structlog.get_logger()

REFRESH_AFTER = 0.5
TRUSTED_FOR = 1.0


class FraudSettingsCache:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        refresh_after: float = REFRESH_AFTER,
        trusted_for: float = TRUSTED_FOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._refresh_after, self._trusted_for = refresh_after, trusted_for
        self._clock = clock
        self._held: SettingsVersion | None = None
        # When the check behind what is held began: what is held is as of then.
        self._checked_at = float("-inf")
        # Bumped by invalidate(): a check begun before it must not vouch for what it read.
        self._generation = 0
        # Under load many requests find the cache expired together; one of them checks.
        self._lock = asyncio.Lock()
        self._beside: asyncio.Task[None] | None = None

    def _age(self) -> float:
        return self._clock() - self._checked_at

    async def current(self) -> SettingsVersion:
        if self._held is not None and self._age() < self._trusted_for:
            if self._age() >= self._refresh_after and self._beside is None:
                # Not the assessment's context (its log fields): the check is no one's.
                self._beside = asyncio.create_task(self._check_beside(), context=Context())
            return self._held
        async with self._lock:
            if self._held is None or self._age() >= self._trusted_for:
                await self._refresh()
        assert self._held is not None
        return self._held

    async def settled(self) -> None:
        """Waits for a check running beside the assessments (for tests)."""
        if self._beside is not None:
            await asyncio.gather(self._beside, return_exceptions=True)

    async def _check_beside(self) -> None:
        try:
            async with self._lock:
                if self._age() >= self._refresh_after:
                    await self._refresh()
        except Exception as err:  # the database away: an assessment past TRUSTED_FOR waits
            log.warning("fraud settings not checked", error=str(err))
        finally:
            self._beside = None

    async def _refresh(self) -> None:
        began, generation = self._clock(), self._generation
        async with self._sessions() as s:
            await autocommit(s)  # reads only: nothing to roll back (db/engine.autocommit)
            newest = await settings_store.latest_version(s)
            if self._held is None or self._held.version != newest:
                self._held = await settings_store.current(s)
        if generation == self._generation:
            self._checked_at = began

    def invalidate(self) -> None:
        """The next `current()` checks the database: call after saving a new version here."""
        self._generation += 1
        self._checked_at = float("-inf")
