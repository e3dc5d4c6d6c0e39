"""One copy of an exchange's markets per worker process, shared by its clients.

Every verification builds a ccxt client with the user's own keys. Loading markets on each
(GET exchangeInfo and /time, then indexing every market) cost about a tenth of a worker's CPU
per share by profile (issue 20), and two requests of the exchange's weight. Markets change
rarely, so the process keeps the last loaded copy for `ttl_s` and hands it to new clients with
ccxt's own `set_markets_from_exchange`. A copy older than that, or one that lacks a symbol
the session names (a new listing), is loaded again; a clock error forgets it, so the next
client also measures the exchange's clock again.

The copy holds markets and the clock offset only: never the keys of the client it came from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

TTL_S = 600.0


@dataclass(frozen=True)
class _Copy:
    loaded_at: float
    source: SimpleNamespace  # what set_markets_from_exchange reads, nothing more
    time_difference: Any


class SharedMarkets:
    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._copies: dict[str, _Copy] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    async def prepare(self, client: Any, symbols: Iterable[str] = ()) -> None:
        """`client.load_markets()`, from the shared copy when it is fresh and lists `symbols`."""
        key, wanted = _key(client), list(symbols)
        copy = self._usable(key, wanted)
        if copy is None:
            async with self._loading.setdefault(key, asyncio.Lock()):
                copy = self._usable(key, wanted)  # another client may have loaded it meanwhile
                if copy is None:
                    await client.load_markets(reload=True)
                    self._copies[key] = _copy_of(client, self._clock())
                    return
        client.set_markets_from_exchange(copy.source)
        if copy.time_difference is not None:
            client.options["timeDifference"] = copy.time_difference

    def forget(self, client: Any) -> None:
        """The exchange refused our clock: the next client loads (and measures) afresh."""
        self._copies.pop(_key(client), None)

    def _usable(self, key: str, symbols: list[str]) -> _Copy | None:
        copy = self._copies.get(key)
        if copy is None or self._clock() - copy.loaded_at >= self._ttl_s:
            return None
        if any(symbol not in copy.source.markets for symbol in symbols):
            return None
        return copy


def _key(client: Any) -> str:
    """One copy per exchange and host (the emulator's markets are not Binance's)."""
    return f"{client.id} {client.urls.get('api')!r}"


# What ccxt's set_markets_from_exchange reads from its source, besides `options`.
_MARKET_ATTRIBUTES = [
    "id",
    "markets",
    "markets_by_id",
    "symbols",
    "ids",
    "currencies",
    "currencies_by_id",
    "baseCurrencies",
    "quoteCurrencies",
    "codes",
]


def _copy_of(client: Any, at: float) -> _Copy:
    helpers = client.safe_list(client.options, "marketHelperProps", [])
    options = {"marketHelperProps": helpers, **{h: client.options.get(h) for h in helpers}}
    source = SimpleNamespace(
        options=options, **{name: getattr(client, name) for name in _MARKET_ATTRIBUTES}
    )
    return _Copy(at, source, client.options.get("timeDifference"))


# The worker process's copies: every verification and holdings read shares them.
SHARED = SharedMarkets()
