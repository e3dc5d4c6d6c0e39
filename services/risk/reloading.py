"""Offline lists read once per process and again when a file changes (IP and email lists).

The files are looked at again only every `recheck` seconds, so a scheduled refresh reaches
running processes without a restart and a lookup never waits on the disk. A broken file
never takes the checks down: what was loaded before stays in use.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger()

T = TypeVar("T")
RECHECK_SECONDS = 60.0


class ReloadingLists(ABC, Generic[T]):
    """The lists of one directory. A subclass says what the files are now (`stamp`: names
    and mtimes), how to read them (`read`) and what to use when the first read fails
    (`fallback`)."""

    what = "lists"  # for the log lines

    def __init__(
        self,
        directory: Path,
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self._recheck, self._clock = recheck, clock
        self._loaded: Hashable | None = None
        self._value: T | None = None
        self._checked_at = float("-inf")

    @abstractmethod
    def stamp(self) -> Hashable: ...

    @abstractmethod
    def read(self) -> T: ...

    @abstractmethod
    def fallback(self) -> T: ...

    async def current(self) -> T:
        if self._value is None or self._clock() - self._checked_at >= self._recheck:
            await asyncio.to_thread(self._reload_if_changed)
        assert self._value is not None
        return self._value

    def _reload_if_changed(self) -> None:
        stamp = self.stamp()
        self._checked_at = self._clock()
        if stamp == self._loaded and self._value is not None:
            return
        try:
            self._value = self.read()
        except (OSError, ValueError) as err:
            log.error(f"{self.what} not loaded", error=str(err))
            if self._value is None:
                self._value = self.fallback()
            return
        self._loaded = stamp
        log.info(f"{self.what} loaded")
