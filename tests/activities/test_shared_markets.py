"""One copy of the exchange's markets per worker process (activities/exchange/markets.py):
real ccxt clients against the Binance emulator. The second client asks the exchange for
nothing to get its markets; a new listing or an old copy loads them again; no keys travel."""

from __future__ import annotations

from typing import Any

import pytest

from activities.exchange.factory import binance_client
from activities.exchange.markets import SharedMarkets


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counted(client: Any) -> list[str]:
    """The unified calls that load markets, as the client makes them."""
    calls: list[str] = []
    fetch_markets = client.fetch_markets

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("fetch_markets")
        return await fetch_markets(*args, **kwargs)

    client.fetch_markets = counting
    return calls


@pytest.fixture
def shared() -> tuple[SharedMarkets, Clock]:
    clock = Clock()
    return SharedMarkets(ttl_s=600, clock=clock), clock


async def _prepared(markets: SharedMarkets, url: str, symbols: list[str]) -> list[str]:
    client = binance_client(api_key="key-of-one-user", api_secret="its-secret", base_url=url)
    calls = counted(client)
    try:
        await markets.prepare(client, symbols)
        assert "BTC/USDT" in client.markets and client.symbols
        await client.fetch_last_prices(["BTC/USDT"])  # a unified call works on shared markets
    finally:
        await client.close()
    return calls


async def test_the_second_client_takes_the_first_ones_markets(emulator_url, shared):
    markets, _ = shared
    assert await _prepared(markets, emulator_url, ["BTC/USDT"]) == ["fetch_markets"]
    assert await _prepared(markets, emulator_url, ["BTC/USDT"]) == []


async def test_a_symbol_the_copy_lacks_or_an_old_copy_loads_them_again(emulator_url, shared):
    markets, clock = shared
    await _prepared(markets, emulator_url, ["BTC/USDT"])
    assert await _prepared(markets, emulator_url, ["NEWLY/LISTED"]) == ["fetch_markets"]
    clock.now += 600
    assert await _prepared(markets, emulator_url, ["BTC/USDT"]) == ["fetch_markets"]


async def test_a_clock_error_forgets_the_copy(emulator_url, shared):
    markets, _ = shared
    await _prepared(markets, emulator_url, ["BTC/USDT"])
    markets.forget(binance_client(base_url=emulator_url))
    assert await _prepared(markets, emulator_url, ["BTC/USDT"]) == ["fetch_markets"]


async def test_the_copy_keeps_no_keys(emulator_url, shared):
    markets, _ = shared
    await _prepared(markets, emulator_url, ["BTC/USDT"])
    (copy,) = markets._copies.values()
    assert "its-secret" not in repr(vars(copy.source)) and "key-of-one-user" not in repr(
        vars(copy.source)
    )
