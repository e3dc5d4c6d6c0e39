"""Exchange fills (ccxt trade shape) and how each one moves cash, fees and position."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from domain.money import EXACT

Side = Literal["buy", "sell"]
# fill id -> {"BNB/USDT": price at that fill's time}. Only fees paid in a third asset
# need an entry; fills with quote or base fees may be left out.
FillPrices = Mapping[str, Mapping[str, Decimal]]


class PnlError(ValueError):
    """The fills given cannot produce a P&L figure."""


class MissingPrice(PnlError):
    """A price needed to value a fee or an open position was not supplied."""

    def __init__(self, pair: str, needed_for: str) -> None:
        super().__init__(f"no price for {pair}, needed for {needed_for}")
        self.pair = pair


class MixedQuoteCurrencies(PnlError):
    """Fills are quoted in several currencies, so their P&L cannot be added up."""

    def __init__(self, quotes: Iterable[str]) -> None:
        self.quotes = tuple(sorted(quotes))
        super().__init__(f"fills are quoted in several currencies: {', '.join(self.quotes)}")


@dataclass(frozen=True, kw_only=True)
class Fill:
    """One execution of an order. Keyword-only: three Decimals side by side are easy to swap.

    Attributes:
        order_id: the order this fill belongs to; an order filled in parts has several fills.
        amount: base quantity traded, before any fee charged in the base asset.
        fee_cost: fee charged, in fee_currency (quote, base or a third asset such as BNB).
    """

    id: str
    order_id: str
    symbol: str
    side: Side
    price: Decimal
    amount: Decimal
    timestamp_ms: int
    fee_cost: Decimal
    fee_currency: str

    def __post_init__(self) -> None:
        base, slash, quote = self.symbol.partition("/")
        if not (base and slash and quote) or "/" in quote:
            raise ValueError(f"symbol must look like 'BTC/USDT', got {self.symbol!r}")
        if self.side not in ("buy", "sell"):
            raise ValueError(f"side must be 'buy' or 'sell', got {self.side!r}")
        for name in ("price", "amount", "fee_cost"):
            value = getattr(self, name)
            # Floats are refused here so none can reach the arithmetic.
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"fill {self.id}: {name} must be a finite Decimal, got {value!r}")
        if self.price <= 0 or self.amount <= 0:
            raise ValueError(f"fill {self.id}: price and amount must be positive")
        if self.fee_cost < 0:
            raise ValueError(f"fill {self.id}: fee_cost must not be negative")
        if self.side == "buy" and self.fee_currency == base and self.fee_cost >= self.amount:
            raise ValueError(f"fill {self.id}: a base fee must be smaller than the amount bought")

    @property
    def base(self) -> str:
        return self.symbol.partition("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.partition("/")[2]

    @property
    def cost(self) -> Decimal:
        """Quote value of the trade before fees."""
        with localcontext(EXACT):
            return self.price * self.amount


def fee_in_quote(fill: Fill, prices_at_fill: Mapping[str, Decimal]) -> Decimal:
    """The fill's fee expressed in its quote currency.

    Args:
        fill: the fill whose fee to convert.
        prices_at_fill: prices at the fill's time keyed by pair, e.g. {"BNB/USDT": ...};
            consulted only for a fee paid in a third asset.

    Raises:
        MissingPrice: the fee is in a third asset and its price in the quote is absent.
    """
    if fill.fee_cost == 0 or fill.fee_currency == fill.quote:
        return fill.fee_cost
    with localcontext(EXACT):
        if fill.fee_currency == fill.base:
            return fill.fee_cost * fill.price
        pair = f"{fill.fee_currency}/{fill.quote}"
        if pair not in prices_at_fill:
            raise MissingPrice(pair, f"the fee of fill {fill.id}")
        return fill.fee_cost * prices_at_fill[pair]


def position_delta(fill: Fill) -> Decimal:
    """Signed change of the base holding caused by the fill.

    A fee charged in the base asset is taken out of the base received (buy) or added to
    the base given up (sell), as Binance spot does, so a user who sells everything they
    hold ends flat. Its quote value still counts as a fee (fee_in_quote).
    """
    base_fee = fill.fee_cost if fill.fee_currency == fill.base else Decimal(0)
    with localcontext(EXACT):
        return fill.amount - base_fee if fill.side == "buy" else -(fill.amount + base_fee)


def chronological(fills: Iterable[Fill]) -> list[Fill]:
    """Fills by time; fills at the same millisecond keep the exchange's order (stable sort)."""
    return sorted(fills, key=lambda fill: fill.timestamp_ms)


def session_quote(fills: Sequence[Fill]) -> str | None:
    """The one quote currency of the fills, or None when there are none.

    Raises:
        MixedQuoteCurrencies: the fills use more than one quote currency.
    """
    quotes = {fill.quote for fill in fills}
    if len(quotes) > 1:
        raise MixedQuoteCurrencies(quotes)
    return next(iter(quotes), None)
