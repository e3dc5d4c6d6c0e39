"""Spot markets the emulator lists, and a deterministic price for any of them at any time.

Prices are a pure function of (symbol, base price, time) so a verifier that asks
"what did BNB cost at 10:42:17?" gets the same answer on every run and machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any


@dataclass(frozen=True)
class Market:
    symbol: str  # Binance id, e.g. BTCUSDT
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    base_price: Decimal  # centre of the price wave unless a test sets a price


def _market(base: str, quote: str, tick: str, step: str, price: str) -> Market:
    return Market(base + quote, base, quote, Decimal(tick), Decimal(step), Decimal(price))


MARKETS: dict[str, Market] = {
    m.symbol: m
    for m in (
        _market("BTC", "USDT", "0.01", "0.00001", "60000.00"),
        _market("ETH", "USDT", "0.01", "0.0001", "3000.00"),
        _market("BNB", "USDT", "0.01", "0.001", "600.00"),
        _market("SOL", "USDT", "0.01", "0.001", "150.00"),
        _market("ETH", "BTC", "0.00001", "0.0001", "0.05000"),
        _market("BNB", "BTC", "0.000001", "0.001", "0.010000"),
        # Not listed by Binance itself: the FX tests read a USDT/INR ticker through ccxt.
        _market("USDT", "INR", "0.01", "0.1", "88.50"),
    )
}

# Binance serializes spot amounts with 8 decimals ("0.00100000").
EIGHT_PLACES = Decimal("0.00000001")

# Fixed-length kline intervals in ms. "1M" (calendar month) is left out on purpose:
# nothing here needs it and it is the only interval without a fixed length.
INTERVAL_MS: dict[str, int] = {
    "1s": 1_000,
    **{f"{n}m": n * 60_000 for n in (1, 3, 5, 15, 30)},
    **{f"{n}h": n * 3_600_000 for n in (1, 2, 4, 6, 8, 12)},
    "1d": 86_400_000,
    "3d": 3 * 86_400_000,
    "1w": 7 * 86_400_000,
}
MAX_KLINES = 1000
DEFAULT_KLINES = 500


def fmt(value: Decimal) -> str:
    """Binance's 8-decimal string, without rounding away precision a test supplied."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -8:
        value = value.quantize(EIGHT_PLACES)
    return format(value, "f")


def price_at(market: Market, base_price: Decimal, ms: int) -> Decimal:
    """A slow daily swing plus a faster wobble, about +-1.2 % around base_price."""
    minutes = ms / 60_000
    wave = 0.01 * math.sin(2 * math.pi * minutes / 1440) + 0.002 * math.sin(
        2 * math.pi * minutes / 37
    )
    # Rounding the float wave to 9 places before Decimal keeps results identical across
    # platforms' libm last-bit differences.
    raw = base_price * (1 + Decimal(str(round(wave, 9))))
    return raw.quantize(market.tick_size, rounding=ROUND_HALF_EVEN)


def kline_open_times(
    interval_ms: int, now_ms: int, start: int | None, end: int | None, limit: int
) -> list[int]:
    """Open times Binance would return: start/end filter on open time; no future candles.

    With neither bound Binance returns the most recent candles; with only endTime, the
    latest ones that opened at or before it; with a startTime, the earliest from it on.
    """
    last_open = min(now_ms, end if end is not None else now_ms) // interval_ms * interval_ms
    if start is None:
        first = last_open - (limit - 1) * interval_ms
        return [t for t in range(first, last_open + 1, interval_ms) if t >= 0]
    first = -(-start // interval_ms) * interval_ms  # ceil: first candle opening at/after start
    return list(range(first, last_open + 1, interval_ms))[:limit]


def kline(market: Market, base_price: Decimal, open_ms: int, interval_ms: int) -> list[Any]:
    """One Binance kline row; open/close from the price wave, high/low a hair outside."""
    open_p = price_at(market, base_price, open_ms)
    close_p = price_at(market, base_price, open_ms + interval_ms - 1)
    high = (max(open_p, close_p) * Decimal("1.0005")).quantize(market.tick_size)
    low = (min(open_p, close_p) * Decimal("0.9995")).quantize(market.tick_size)
    volume = Decimal(10 + (open_ms // interval_ms) % 90)  # deterministic, non-zero
    quote_volume = (volume * (open_p + close_p) / 2).quantize(EIGHT_PLACES)
    return [
        open_ms,
        fmt(open_p),
        fmt(high),
        fmt(low),
        fmt(close_p),
        fmt(volume),
        open_ms + interval_ms - 1,
        fmt(quote_volume),
        int(volume) * 3,  # number of trades
        fmt(volume / 2),
        fmt((quote_volume / 2).quantize(EIGHT_PLACES)),
        "0",
    ]


def exchange_info_symbol(market: Market) -> dict[str, Any]:
    """The parts of a Binance exchangeInfo symbol that clients (ccxt) read."""
    return {
        "symbol": market.symbol,
        "status": "TRADING",
        "baseAsset": market.base,
        "baseAssetPrecision": 8,
        "quoteAsset": market.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": fmt(market.tick_size),
                "maxPrice": "1000000.00000000",
                "tickSize": fmt(market.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": fmt(market.step_size),
                "maxQty": "9000.00000000",
                "stepSize": fmt(market.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": "5.00000000" if market.quote == "USDT" else "0.00010000",
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }
