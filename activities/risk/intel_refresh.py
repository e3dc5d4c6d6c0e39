"""Downloads the configured IP lists (and disposable-email lists) and replaces the ones the
risk checks read.

IP lists go to PostgreSQL (`ip_lists`), all in one transaction: every worker and API replica reads
the same copy, and sees the lists of one refresh or of the one before, never a mix. Running it
twice writes the same lists: safe for Temporal to retry. (List files that ops keep by hand in
IP_INTEL_DIR are read only while the table is empty.)
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from db import ip_lists
from domain.risk.email import EmailKind
from domain.risk.ipintel import IpKind, list_file, parse_list, split_valid
from services.risk.email_intel import email_list_path

# A domain as the lists write it: labels of letters, digits and hyphens (IDNs as punycode).
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


def split_domains(entries: list[str]) -> tuple[list[str], list[str]]:
    valid: list[str] = []
    junk: list[str] = []
    for entry in entries:
        (valid if DOMAIN.match(entry.lower()) else junk).append(entry.lower())
    return valid, junk


TIMEOUT = httpx.Timeout(30.0)
# The largest list taken: public Tor, VPN and datacenter lists are a few MiB at most.
MAX_LIST_BYTES = 32 * 1024 * 1024
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def check_source(url: str) -> None:
    """https only (or http to this machine, a local mirror): a list decides who is blocked.

    Raises:
        ApplicationError: non-retryable; the configuration must change.
    """
    parsed = httpx.URL(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.host in _LOOPBACK):
        return
    raise ApplicationError(
        f"IP list source {url} is not https", type="IpListSourceRefused", non_retryable=True
    )


async def fetch_list(http: httpx.AsyncClient, url: str) -> str:
    """The list at `url`: no redirects followed, at most MAX_LIST_BYTES."""
    check_source(url)
    async with http.stream("GET", url) as response:
        if not response.is_success:  # a redirect too: it is not followed
            raise ApplicationError(f"{url} answered {response.status_code}")
        size = int(response.headers.get("content-length") or 0)
        body = bytearray()
        if size <= MAX_LIST_BYTES:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_LIST_BYTES:
                    break
        if size > MAX_LIST_BYTES or len(body) > MAX_LIST_BYTES:
            raise ApplicationError(
                f"the list at {url} is larger than {MAX_LIST_BYTES} bytes",
                type="IpListTooLarge",
                non_retryable=True,
            )
        return body.decode(response.encoding or "utf-8", errors="replace")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _today() -> date:
    return datetime.now(UTC).date()


class IntelRefreshActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path,
        sources: Mapping[IpKind, str],
        *,
        email_sources: Mapping[EmailKind, str] | None = None,
        today: Callable[[], date] = _today,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._sources = dict(sources)
        self._email_sources = dict(email_sources or {})
        self._today = today

    @activity.defn(name=c.REFRESH_IP_INTEL)
    async def refresh_ip_intel(self) -> c.IpIntelRefreshed:
        """Fetches every list before writing any, so one source failing leaves all the
        lists as they were (and their dates consistent) until the retry succeeds."""
        as_of = self._today()
        fetched: dict[IpKind, tuple[str, list[str], int]] = {}
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
            for kind, url in self._sources.items():
                valid, junk = split_valid(parse_list(await fetch_list(http, url)))
                if not valid:  # an error page served with 200, or an emptied list
                    raise ApplicationError(f"the {kind} list from {url} holds no IP address")
                fetched[kind] = (url, valid, len(junk))
            emails: dict[EmailKind, tuple[str, list[str], int]] = {}
            for email_kind, url in self._email_sources.items():
                domains, junk = split_domains(parse_list(await fetch_list(http, url)))
                if not domains:
                    raise ApplicationError(
                        f"the {email_kind} email list from {url} holds no domain"
                    )
                emails[email_kind] = (url, domains, len(junk))
        report: dict[str, c.IpListRefreshed] = {}
        lists: dict[str, tuple[str, str | None]] = {}
        for kind, (url, entries, rejected) in fetched.items():
            lists[kind] = (list_file(entries, as_of=as_of, source=url), url)
            report[kind] = c.IpListRefreshed(entries=len(entries), rejected=rejected)
        # Email lists are files beside the shipped ones (services/risk/email_intel.py).
        for email_kind, (url, domains, rejected) in emails.items():
            report[email_kind] = c.IpListRefreshed(entries=len(domains), rejected=rejected)
            text = list_file(domains, as_of=as_of, source=url)
            path = email_list_path(self._directory, email_kind)
            await asyncio.to_thread(write_atomically, path, text)
        if lists:
            async with self._sessions.begin() as s:
                await ip_lists.replace(s, lists, at=datetime.now(UTC))
        return c.IpIntelRefreshed(data_as_of=as_of, lists=report)
