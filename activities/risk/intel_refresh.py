"""Downloads the configured IP lists and replaces the ones the risk checks read.

They go to PostgreSQL (`ip_lists`), all in one transaction: every worker and API replica reads
the same copy, and sees the lists of one refresh or of the one before, never a mix. Running it
twice writes the same lists: safe for Temporal to retry. (List files that ops keep by hand in
IP_INTEL_DIR are read only while the table is empty.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from db import ip_lists
from domain.risk.ipintel import IpKind, list_file, parse_list, split_valid

TIMEOUT = httpx.Timeout(30.0)


def _today() -> date:
    return datetime.now(UTC).date()


class IntelRefreshActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sources: Mapping[IpKind, str],
        *,
        today: Callable[[], date] = _today,
    ) -> None:
        self._sessions = sessions
        self._sources = dict(sources)
        self._today = today

    @activity.defn(name=c.REFRESH_IP_INTEL)
    async def refresh_ip_intel(self) -> c.IpIntelRefreshed:
        """Fetches every list before writing any, so one source failing leaves all the
        lists as they were (and their dates consistent) until the retry succeeds."""
        as_of = self._today()
        fetched: dict[IpKind, tuple[str, list[str], int]] = {}
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as http:
            for kind, url in self._sources.items():
                response = await http.get(url)
                response.raise_for_status()
                valid, junk = split_valid(parse_list(response.text))
                if not valid:  # an error page served with 200, or an emptied list
                    raise ApplicationError(f"the {kind} list from {url} holds no IP address")
                fetched[kind] = (url, valid, len(junk))
        report: dict[str, c.IpListRefreshed] = {}
        lists: dict[str, tuple[str, str | None]] = {}
        for kind, (url, entries, rejected) in fetched.items():
            lists[kind] = (list_file(entries, as_of=as_of, source=url), url)
            report[kind] = c.IpListRefreshed(entries=len(entries), rejected=rejected)
        if lists:
            async with self._sessions.begin() as s:
                await ip_lists.replace(s, lists, at=datetime.now(UTC))
        return c.IpIntelRefreshed(data_as_of=as_of, lists=report)
