"""The offline IP lists of a directory, loaded once per process and again when a file changes.

Lookups are in memory (O(log n), domain/risk/ipintel.py); the files are only looked at
again every RECHECK_SECONDS, so the scheduled refresh reaches running processes without
a restart and an assessment never waits on the disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from domain.risk.ipintel import IP_KINDS, IpIntel, IpKind, IpRanges, data_as_of
from services.risk.reloading import RECHECK_SECONDS, ReloadingLists

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


class IntelFiles(ReloadingLists[IpIntel]):
    """The lists in `directory`, or the shipped samples while it holds none."""

    def __init__(
        self,
        directory: Path,
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        super().__init__(
            what="ip lists",
            stamp=self._stamp_now,
            load=lambda: load(self._source()),
            fallback=lambda: load(SAMPLES),
            recheck=recheck,
            clock=clock,
        )

    def _source(self) -> Path:
        return self.directory if _stamp(self.directory) else SAMPLES

    def _stamp_now(self) -> tuple[Path, Stamp]:
        source = self._source()
        return source, _stamp(source)
