"""The offline IP lists, loaded once per process and again when they change.

Where they come from: PostgreSQL (`ip_lists`, written by the scheduled refresh: one copy for
every worker and API replica, IntelStore); while that table is empty, the files of a directory
(IntelFiles), or the shipped samples. Lookups are in memory (O(log n),
domain/risk/ipintel.py); the source is only looked at again every RECHECK_SECONDS, so a
refresh reaches running processes without a restart and an assessment never waits on it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import ip_lists
from domain.risk.ipintel import IP_KINDS, IpIntel, IpKind, IpRanges, data_as_of
from services.risk.reloading import RECHECK_SECONDS, ReloadingLists

log = structlog.get_logger()

SAMPLES = Path(__file__).parent / "sample_lists"


def list_path(directory: Path, kind: IpKind) -> Path:
    return directory / f"{kind}.txt"


Stamp = tuple[tuple[str, float], ...]


def _stamp(directory: Path) -> Stamp:
    """What changes when a list is rewritten (the refresh replaces files, new mtime)."""
    found = (list_path(directory, kind) for kind in IP_KINDS)
    return tuple((path.name, path.stat().st_mtime) for path in found if path.exists())


def load(directory: Path) -> IpIntel:
    """Reads every list in `directory`; a missing list is empty.

    The intel is as old as its oldest list; a file without a `data_as_of` header is taken
    to be as old as its last modification.

    Raises:
        ValueError: a list holds an entry that is not an IP network (the message names it).
    """
    ranges: dict[IpKind, IpRanges] = {}
    dates: list[date] = []
    for kind in IP_KINDS:
        path = list_path(directory, kind)
        if not path.exists():
            ranges[kind] = IpRanges()
            continue
        text = path.read_text()
        ranges[kind] = IpRanges.from_text(text)
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        dates.append(data_as_of(text) or modified)
    today = datetime.now(UTC).date()
    return IpIntel(**ranges, data_as_of=min(dates, default=today))


def from_texts(texts: Mapping[str, str]) -> IpIntel:
    """The intel of list texts by kind (as the refresh writes them); a missing list is empty.

    Raises:
        ValueError: a list holds an entry that is not an IP network (the message names it).
    """
    ranges = {
        kind: IpRanges.from_text(texts[kind]) if kind in texts else IpRanges() for kind in IP_KINDS
    }
    dates = [found for text in texts.values() if (found := data_as_of(text)) is not None]
    return IpIntel(**ranges, data_as_of=min(dates, default=datetime.now(UTC).date()))


class IntelFiles(ReloadingLists[IpIntel]):
    """The lists in `directory`, or the shipped samples while it holds none."""

    what = "ip lists"

    def _source(self) -> Path:
        return self.directory if _stamp(self.directory) else SAMPLES

    def stamp(self) -> tuple[Path, Stamp]:
        source = self._source()
        return source, _stamp(source)

    def read(self) -> IpIntel:
        return load(self._source())

    def fallback(self) -> IpIntel:
        return load(SAMPLES)


class IntelStore:
    """The lists in PostgreSQL; the directory's files (IntelFiles) while the table is empty."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path,
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self.directory = directory  # where the email lists live too (services/risk/email_intel)
        self._files = IntelFiles(directory, recheck=recheck, clock=clock)
        self._recheck = recheck
        self._clock = clock
        self._checked_at = float("-inf")
        self._version: tuple[int, datetime | None] = (0, None)
        self._intel: IpIntel | None = None

    async def current(self) -> IpIntel:
        if self._clock() - self._checked_at >= self._recheck:
            await self._reload_if_changed()
        if self._intel is None:
            return await self._files.current()
        return self._intel

    async def _reload_if_changed(self) -> None:
        self._checked_at = self._clock()
        try:
            async with self._sessions() as s:
                found = await ip_lists.version(s)
                if found[0] == 0 or found == self._version:
                    return
                texts = await ip_lists.bodies(s)
        except SQLAlchemyError as err:
            # The database down must not take risk checks down: keep what was loaded.
            log.error("ip lists not read from the database", error=str(err))
            return
        try:
            self._intel = await asyncio.to_thread(from_texts, texts)
        except ValueError as err:
            log.error("ip lists in the database not loaded", error=str(err))
            return
        self._version = found
        log.info("ip lists loaded", source="database", data_as_of=str(self._intel.data_as_of))
