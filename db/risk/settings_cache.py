"""The fraud settings in force, cached per process so an assessment costs no settings query.

The cache trusts what it holds for TTL_SECONDS, then asks Postgres for the newest version
number (one indexed lookup) and reloads the document only when that number moved. A change
saved in this process invalidates the cache at once; every other process sees it within
TTL_SECONDS, which is how "a new threshold applies within a second everywhere" holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.risk import settings_store
from db.risk.settings_store import SettingsVersion

TTL_SECONDS = 0.5


class FraudSettingsCache:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._clock = clock
        self._held: SettingsVersion | None = None
        self._checked_at = float("-inf")
        # Under load many requests find the cache expired together; one of them checks.
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._held is not None and self._clock() - self._checked_at < self._ttl

    async def current(self) -> SettingsVersion:
        if self._fresh():
            assert self._held is not None
            return self._held
        async with self._lock:
            if not self._fresh():
                await self._refresh()
        assert self._held is not None
        return self._held

    async def _refresh(self) -> None:
        async with self._sessions() as s:
            newest = await settings_store.latest_version(s)
            if self._held is None or self._held.version != newest:
                self._held = await settings_store.current(s)
        self._checked_at = self._clock()

    def invalidate(self) -> None:
        """The next `current()` checks the database: call after saving a new version here."""
        self._checked_at = float("-inf")
