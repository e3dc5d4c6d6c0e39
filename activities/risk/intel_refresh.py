"""Downloads the configured IP lists and replaces the files the risk checks read.

Each file is written to a temporary name and renamed over the old one, so a process
reading the directory sees the old list or the new one, never half of one. Running it
twice writes the same files: safe for Temporal to retry.
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
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from domain.risk.email import EmailKind
from domain.risk.ipintel import IpKind, list_file, parse_list, split_valid
from services.risk.email_intel import email_list_path
from services.risk.intel import list_path

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


def _today() -> date:
    return datetime.now(UTC).date()


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


class IntelRefreshActivities:
    def __init__(
        self,
        directory: Path,
        sources: Mapping[IpKind, str],
        *,
        email_sources: Mapping[EmailKind, str] | None = None,
        today: Callable[[], date] = _today,
    ) -> None:
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
                response = await http.get(url)
                response.raise_for_status()
                valid, junk = split_domains(parse_list(response.text))
                if not valid:
                    raise ApplicationError(
                        f"the {email_kind} email list from {url} holds no domain"
                    )
                emails[email_kind] = (url, valid, len(junk))
        report: dict[str, c.IpListRefreshed] = {}
        files: list[tuple[Path, str, tuple[str, list[str], int]]]
        files = [(list_path(self._directory, k), k, v) for k, v in fetched.items()]
        files += [(email_list_path(self._directory, k), k, v) for k, v in emails.items()]
        for path, name, (url, entries, rejected) in files:
            text = list_file(entries, as_of=as_of, source=url)
            await asyncio.to_thread(write_atomically, path, text)
            report[name] = c.IpListRefreshed(entries=len(entries), rejected=rejected)
        return c.IpIntelRefreshed(data_as_of=as_of, lists=report)
