"""A ccxt client stand-in for tests: a slow exchange with many symbols, that can fail once
or refuse for good."""

from __future__ import annotations

import asyncio

from activities.exchange.lazy_ccxt import ccxt

SYMBOLS = [f"C{i:02d}/USDT" for i in range(50)]
LATENCY = 0.1  # seconds per request, as the slow exchange


class SlowExchange:
    """A ccxt client stand-in: 100 ms a request, one fill per symbol, and (once) a network
    error after `fail_after` symbols."""

    def __init__(self, start_ms: int, fail_after: int | None = None, refuse: bool = False):
        self.start_ms, self.fail_after, self.refuse = start_ms, fail_after, refuse
        self.fetched: list[str] = []

    def __call__(self, **_: object) -> SlowExchange:
        return self

    async def load_markets(self) -> None:
        await asyncio.sleep(LATENCY)

    async def fetch_my_trades(self, symbol, since=None, limit=None, params=None):
        await asyncio.sleep(LATENCY)
        if self.refuse:
            raise ccxt.BadSymbol(f"binance does not have market symbol {symbol}")
        if self.fail_after is not None and len(self.fetched) == self.fail_after:
            self.fail_after = None
            raise ccxt.NetworkError("connection reset")
        self.fetched.append(symbol)
        time = self.start_ms + 60_000
        return [
            {
                "symbol": symbol,
                "id": "1",
                "order": "1",
                "info": {
                    "isBuyer": True,
                    "price": "1.00",
                    "qty": "1",
                    "time": time,
                    "commission": "0",
                    "commissionAsset": "USDT",
                },
            }
        ]

    async def fetch_ohlcv(self, *args, **kwargs):
        await asyncio.sleep(LATENCY)
        return []

    async def fetch_last_prices(self, symbols):
        await asyncio.sleep(LATENCY)
        return {s: {"info": {"price": "1.00"}, "price": 1.0} for s in symbols}

    async def fetch_balance(self):
        """An account holding nothing: with no snapshot before it, the balance check waits
        for the next session (activities/exchange/balances.py)."""
        await asyncio.sleep(LATENCY)
        return {"info": {"balances": []}}

    def safe_currency_code(self, code: str) -> str:
        return code

    markets: dict[str, dict] = {}

    async def close(self) -> None:
        pass
