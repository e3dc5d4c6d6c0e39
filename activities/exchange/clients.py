"""Exchange clients lent to one verification at a time, kept per worker process.

Building a ccxt client walks every attribute of the exchange class (thousands of methods) and
deep-merges its description: about 6% of a worker's CPU per share by profile (issue 20), and
each new client opens a new connection to the exchange. The pool keeps idle clients and lends
each to one activity at a time: the user's keys are set when it is lent, and wiped, with what
ccxt remembers of the last request and response (the request headers carry the API key), when
it comes back. Its options go back to what they were when it was built: ccxt keeps state of
the account there (after one success, Binance's -2015 "invalid API key" reads as a temporary
ban, which another user's bad key must not inherit). A client that ended in an error is
closed, never lent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from activities.exchange.factory import binance_client

KEEP = 16  # idle clients kept per exchange host: a worker's activity slots
# What a client remembers of its last exchange: the request's headers hold the API key.
_LAST_EXCHANGE = (
    "last_request_headers",
    "last_request_body",
    "last_request_url",
    "last_http_response",
    "last_json_response",
    "last_response_headers",
)


class ClientLender(Protocol):
    def borrow(self, *, api_key: str, api_secret: str, base_url: str | None) -> Any: ...

    async def give_back(self, client: Any, *, reuse: bool) -> None: ...


class FreshClients:
    """A new client for each borrower, closed when given back (tests, one-off reads)."""

    def __init__(self, build: Callable[..., Any] = binance_client) -> None:
        self._build = build

    def borrow(self, *, api_key: str, api_secret: str, base_url: str | None) -> Any:
        return self._build(api_key=api_key, api_secret=api_secret, base_url=base_url)

    async def give_back(self, client: Any, *, reuse: bool) -> None:
        await client.close()


class ClientPool:
    def __init__(self, build: Callable[..., Any] = binance_client, keep: int = KEEP) -> None:
        self._build = build
        self._keep = keep
        self._idle: dict[str | None, list[Any]] = {}  # by exchange host
        self._lent: dict[int, str | None] = {}  # id(client) -> its host, while lent
        self._built_with: dict[int, dict[str, Any]] = {}  # id(client) -> its first options
        self._loop: asyncio.AbstractEventLoop | None = None

    def borrow(self, *, api_key: str, api_secret: str, base_url: str | None) -> Any:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A client's connections and rate limiter belong to the loop it was built on: one
            # kept from an earlier loop (a worker started again in the same process, as tests
            # do) would fail every request. Those are dropped, never lent.
            self._idle.clear()
            self._built_with.clear()
            self._loop = loop
        idle = self._idle.get(base_url)
        if idle:
            client = idle.pop()
            client.apiKey, client.secret = api_key, api_secret
        else:
            client = self._build(api_key=api_key, api_secret=api_secret, base_url=base_url)
            # Top-level keys are what ccxt sets as it goes (self.options[key] = ...).
            self._built_with[id(client)] = dict(client.options)
        self._lent[id(client)] = base_url
        return client

    async def give_back(self, client: Any, *, reuse: bool) -> None:
        wipe(client)
        built_with = self._built_with.pop(id(client), None)
        idle = self._idle.setdefault(self._lent.pop(id(client), None), [])
        if reuse and built_with is not None and len(idle) < self._keep:
            client.options = dict(built_with)
            self._built_with[id(client)] = built_with
            idle.append(client)
        else:
            await client.close()

    def idle(self) -> int:
        return sum(len(clients) for clients in self._idle.values())

    async def close(self) -> None:
        """Closes the idle clients (their connections), at the worker's end."""
        idle = [client for clients in self._idle.values() for client in clients]
        self._idle.clear()
        self._built_with.clear()
        for client in idle:
            await client.close()


def wipe(client: Any) -> None:
    """Nothing of the last borrower stays on the client: not its keys, not its last request."""
    client.apiKey = client.secret = None
    for name in _LAST_EXCHANGE:
        setattr(client, name, None)


# The process's pool: a worker's verifications and the API's registration snapshots borrow
# from it.
POOL = ClientPool()
