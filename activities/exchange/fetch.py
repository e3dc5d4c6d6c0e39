"""Reading a session from the exchange through ccxt: fills with complete paging, prices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from activities.exchange.lazy_ccxt import ccxt
from activities.exchange.windows import windows
from domain.money import places_of_precision
from domain.pnl import Fill

PAGE = 1000  # Binance's maximum for myTrades
DAY_MS = 86_400_000  # Binance answers myTrades for at most 24 h between startTime and endTime


def to_fill(trade: dict[str, Any]) -> Fill:
    """Builds a Fill from Binance's raw strings (ccxt's parsed numbers are floats)."""
    raw = trade["info"]
    return Fill(
        id=f"{trade['symbol']}#{trade['id']}",  # Binance numbers trades per symbol
        order_id=f"{trade['symbol']}#{trade['order']}",  # and orders per symbol
        symbol=trade["symbol"],
        side="buy" if raw.get("isBuyer") in (True, "true") else "sell",
        price=Decimal(raw["price"]),
        amount=Decimal(raw["qty"]),
        timestamp_ms=int(raw["time"]),
        fee_cost=Decimal(raw["commission"]),
        fee_currency=raw["commissionAsset"],
    )


async def session_fills(
    client: Any,
    symbol: str,
    start_ms: int,
    end_ms: int,
    *,
    on_page: Callable[[], None] = lambda: None,
) -> list[Fill]:
    """Every fill of `symbol` in [start_ms, end_ms]; `on_page` after each request (a heartbeat).

    Asked a day window at a time: Binance answers myTrades for 24 h at most, and a startTime
    alone means [startTime, startTime + 24 h], so one query loses a longer session's rest.
    """
    fills: list[Fill] = []
    for lo, hi in windows(start_ms, end_ms, DAY_MS):
        fills += await _window_fills(client, symbol, lo, hi, on_page)
    return fills


async def _window_fills(
    client: Any, symbol: str, lo: int, hi: int, on_page: Callable[[], None]
) -> list[Fill]:
    """The fills of one day window. Past a full page it pages by trade id (fromId): paging by
    time would lose or repeat fills when several share one millisecond at a page boundary."""
    fills: list[Fill] = []
    page = await client.fetch_my_trades(symbol, since=lo, limit=PAGE, params={"until": hi})
    while True:
        on_page()
        for trade in page:
            if int(trade["info"]["time"]) > hi:  # fromId pages run on past the window
                return fills
            fills.append(to_fill(trade))
        if len(page) < PAGE:
            return fills
        next_id = int(page[-1]["id"]) + 1
        page = await client.fetch_my_trades(symbol, limit=PAGE, params={"fromId": next_id})


async def prices_at_fills(client: Any, fills: Iterable[Fill]) -> dict[str, dict[str, Decimal]]:
    """Price of each third-asset fee (e.g. BNB) in the fill's quote, at the fill's minute."""
    prices: dict[str, dict[str, Decimal]] = {}
    closes = _MinuteCloses(client)
    for fill in fills:
        if fill.fee_cost == 0 or fill.fee_currency in (fill.base, fill.quote):
            continue
        pair = f"{fill.fee_currency}/{fill.quote}"
        close = await closes.at(pair, fill.timestamp_ms)
        if close is not None:  # else reported by the verifier as a missing price
            prices[fill.id] = {pair: close}
    return prices


async def mark_prices(client: Any, symbols: Iterable[str]) -> dict[str, Decimal]:
    """Current prices used to mark an open position to market."""
    marks = {}
    for symbol in symbols:
        ticker = (await client.fetch_last_prices([symbol]))[symbol]  # GET /api/v3/ticker/price
        marks[symbol] = Decimal(str(ticker["info"].get("price") or ticker["price"]))
    return marks


async def quote_rates(client: Any, fills: Iterable[Fill], currency: str) -> dict[str, Decimal]:
    """Price of each fill's quote in `currency` at the fill's minute, for a session across
    quote currencies; needed only when the event's currency is one of the session's quotes."""
    fills = list(fills)
    quotes = {fill.quote for fill in fills}
    if len(quotes) < 2 or currency not in quotes:
        return {}
    rates: dict[str, Decimal] = {}
    closes = _MinuteCloses(client)
    for fill in fills:
        pair = f"{fill.quote}/{currency}"
        if fill.quote == currency or pair not in client.markets:
            continue  # a missing rate is reported by the verifier as a missing price
        close = await closes.at(pair, fill.timestamp_ms)
        if close is not None:
            rates[fill.id] = close
    return rates


class _MinuteCloses:
    """1-minute candle closes, each pair and minute read once."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._seen: dict[tuple[str, int], Decimal | None] = {}

    async def at(self, pair: str, ms: int) -> Decimal | None:
        minute = ms - ms % 60_000
        if (pair, minute) not in self._seen:
            candles = await self._client.fetch_ohlcv(pair, "1m", since=minute, limit=1)
            self._seen[(pair, minute)] = Decimal(str(candles[0][4])) if candles else None
        return self._seen[(pair, minute)]


def currency_places(client: Any) -> dict[str, int]:
    """Each currency's places as the exchange reports them (currencies ccxt derived from the
    markets: fetchCurrencies is off, see factory.py); a currency without one is left out."""
    tick_size = getattr(client, "precisionMode", None) == ccxt.TICK_SIZE
    found = {
        code: places_of_precision((info or {}).get("precision"), tick_size=tick_size)
        for code, info in (getattr(client, "currencies", None) or {}).items()
    }
    return {code: places for code, places in found.items() if places is not None}
