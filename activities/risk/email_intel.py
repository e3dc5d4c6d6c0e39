"""The offline email-domain lists, loaded like the IP lists (activities/risk/intel.py).

IP_INTEL_DIR/disposable.txt and suspicious.txt, written by the scheduled refresh, win over
the lists shipped in email_lists/; a file is read again when it changes (checked every
RECHECK_SECONDS), so a refresh reaches running processes without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from activities.risk.intel import RECHECK_SECONDS
from domain.risk.email import EMAIL_KINDS, EmailKind, EmailLists
from domain.risk.ipintel import data_as_of, parse_list

log = structlog.get_logger()

SHIPPED = Path(__file__).parent / "email_lists"


def email_list_path(directory: Path, kind: EmailKind) -> Path:
    return directory / f"{kind}.txt"


def _chosen(directory: Path) -> dict[EmailKind, Path]:
    """Per kind, the refreshed list if there is one, else the shipped one."""
    chosen = {}
    for kind in EMAIL_KINDS:
        fresh = email_list_path(directory, kind)
        chosen[kind] = fresh if fresh.exists() else email_list_path(SHIPPED, kind)
    return chosen


def load(directory: Path) -> EmailLists:
    """The lists; as old as the oldest list read (its `data_as_of` header)."""
    entries: dict[EmailKind, list[str]] = {}
    dates = []
    for kind, path in _chosen(directory).items():
        text = path.read_text() if path.exists() else ""
        entries[kind] = parse_list(text)
        if (as_of := data_as_of(text)) is not None:
            dates.append(as_of)
    return EmailLists.from_entries(entries, min(dates, default=None))


class EmailFiles:
    def __init__(
        self,
        directory: Path,
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._directory = directory
        self._recheck, self._clock = recheck, clock
        self._lists: EmailLists | None = None
        self._stamp: tuple | None = None
        self._checked_at = float("-inf")

    async def current(self) -> EmailLists:
        if self._lists is None or self._clock() - self._checked_at >= self._recheck:
            await asyncio.to_thread(self._reload_if_changed)
        assert self._lists is not None
        return self._lists

    def _reload_if_changed(self) -> None:
        self._checked_at = self._clock()
        paths = _chosen(self._directory)
        stamp = tuple((str(p), p.stat().st_mtime if p.exists() else 0.0) for p in paths.values())
        if stamp == self._stamp:
            return
        try:
            self._lists = load(self._directory)
        except (OSError, ValueError) as err:
            log.error("email lists not loaded", directory=str(self._directory), error=str(err))
            if self._lists is None:
                self._lists = load(SHIPPED)
            return
        self._stamp = stamp
