"""FX from an exchange's last price through ccxt (FX_SOURCE=ccxt:<exchange_id>).

USDT/INR on an Indian exchange is the rate Indian users actually convert at. A pair the
exchange only lists the other way round (INR/USDT) is inverted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from activities.exchange.lazy_ccxt import ccxt
from activities.fx.source import BadRate, LiveRates, Observation, UnknownRate, invert, utc_now

MakeClient = Callable[[], ccxt.Exchange]


class CcxtTickerRates(LiveRates):
    def __init__(
        self,
        make_client: MakeClient,
        *,
        max_age: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`make_client` builds a fresh keyless client per lookup (a rate is read once per
        recorded share, so a long-lived connection pool would sit idle)."""
        super().__init__(max_age=max_age, clock=clock)
        self._make_client = make_client

    async def _read(self, base: str, quote: str) -> Decimal:
        client = self._make_client()
        try:
            await client.load_markets()
            if f"{base}/{quote}" in client.markets:
                return await self._last(client, base, quote)
            if f"{quote}/{base}" in client.markets:
                return invert(await self._last(client, quote, base))
        finally:
            await client.close()
        raise UnknownRate(f"{client.id} lists neither {base}/{quote} nor {quote}/{base}")

    async def _last(self, client: ccxt.Exchange, base: str, quote: str) -> Decimal:
        symbol = f"{base}/{quote}"
        if client.has.get("fetchLastPrices"):  # Binance: /ticker/price, the lightest call
            entry = (await client.fetch_last_prices([symbol])).get(symbol)
            if entry is None:
                raise UnknownRate(f"{client.id} returned no last price for {symbol}")
            price = _exact(entry["info"].get("price"), entry.get("price"))
        else:
            entry = await client.fetch_ticker(symbol)
            price = _exact(None, entry.get("last"))
        stamp = entry.get("timestamp")
        observed = datetime.fromtimestamp(stamp / 1000, UTC) if stamp else None
        return self._checked(Observation(price, observed), symbol)


def _exact(raw: Any, parsed: Any) -> Decimal:
    """The exchange's own decimal string when there is one; ccxt's parsed value is a float."""
    value = raw if isinstance(raw, str) else parsed
    if value is None:
        raise BadRate("the exchange returned no price")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise BadRate(f"exchange price {value!r} is not a number") from None
