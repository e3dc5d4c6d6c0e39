"""A fixed table of rates, for dev and tests (FX_SOURCE=fixed)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from activities.fx.source import UnknownRate, invert

DEV_RATES: Mapping[tuple[str, str], Decimal] = {
    ("USDT", "INR"): Decimal("88.50"),
    ("USDC", "INR"): Decimal("88.50"),
    ("USDT", "USD"): Decimal("1"),
}


class FixedFxRates:
    def __init__(self, rates: Mapping[tuple[str, str], Decimal] = DEV_RATES) -> None:
        self._rates = dict(rates)

    async def rate(self, base: str, quote: str) -> Decimal:
        if base == quote:
            return Decimal(1)
        if (base, quote) in self._rates:
            return self._rates[(base, quote)]
        if (quote, base) in self._rates:
            return invert(self._rates[(quote, base)])
        raise UnknownRate(f"no FX rate {base}->{quote}")
