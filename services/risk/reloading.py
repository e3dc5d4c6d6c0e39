"""Offline lists read once per process and again when a file changes (IP and email lists).

The files are looked at again only every `recheck` seconds, so a scheduled refresh reaches
running processes without a restart and a lookup never waits on the disk. A broken file
never takes the checks down: what was loaded before stays in use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger()

T = TypeVar("T")
RECHECK_SECONDS = 60.0


class ReloadingLists(Generic[T]):
    """`stamp()` says what the files are now (names and mtimes); `load()` reads them;
    `fallback()` is used when the first load fails."""

    def __init__(
        self,
        *,
        what: str,
        stamp: Callable[[], Hashable],
        load: Callable[[], T],
        fallback: Callable[[], T],
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what, self._stamp, self._load, self._fallback = what, stamp, load, fallback
        self._recheck, self._clock = recheck, clock
        self._loaded: Hashable | None = None
        self._value: T | None = None
        self._checked_at = float("-inf")

    async def current(self) -> T:
        if self._value is None or self._clock() - self._checked_at >= self._recheck:
            await asyncio.to_thread(self._reload_if_changed)
        assert self._value is not None
        return self._value

    def _reload_if_changed(self) -> None:
        stamp = self._stamp()
        self._checked_at = self._clock()
        if stamp == self._loaded and self._value is not None:
            return
        try:
            self._value = self._load()
        except (OSError, ValueError) as err:
            log.error(f"{self._what} not loaded", error=str(err))
            if self._value is None:
                self._value = self._fallback()
            return
        self._loaded = stamp
        log.info(f"{self._what} loaded")
