"""Three independent ways to compute a session's P&L in its quote currency, fees subtracted.

Each method works from the fills alone, by a different route, so a bug in one shows up
as a disagreement with the others:

- fifo: matches each closing quantity against the oldest open lot (Decimal lots).
- average_cost: closes against the running average cost (exact Fraction book).
- cash_flow: adds up cash in and out, then marks what is still held to market.

Flat and open sessions:
    When every symbol ends flat (net_position is zero everywhere) the three figures are
    equal exactly. Otherwise fifo and average_cost report realized P&L only (closed
    quantity), while cash_flow also includes the unrealized P&L of the open position at
    mark_prices; fifo and average_cost then differ too, because they leave different
    costs in the open lots. Callers check net_position to know which case they have.

Every fee is an expense of the session in which it was paid, including fees on
quantity still open at the end. Shorts (selling more than is held) open a short lot
that later buys close, mirrored from longs. Figures are returned unquantized.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from domain.money import EXACT
from domain.pnl.fills import (
    Fill,
    FillPrices,
    MissingPrice,
    chronological,
    fee_in_quote,
    position_delta,
    session_quote,
)

_NO_PRICES: Mapping[str, Decimal] = {}


def net_position(fills: Sequence[Fill]) -> dict[str, Decimal]:
    """Base quantity held at the end per symbol (negative when short; zero when flat)."""
    positions: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for fill in fills:
            positions[fill.symbol] = positions.get(fill.symbol, Decimal(0)) + position_delta(fill)
    return positions


def fifo(fills: Sequence[Fill], *, prices_at_fill: FillPrices | None = None) -> Decimal:
    """Realized P&L by first-in-first-out lot matching per symbol.

    Raises:
        MissingPrice: a fee in a third asset has no price in prices_at_fill.
        MixedQuoteCurrencies: the fills do not share one quote currency.
    """
    session_quote(fills)
    prices = prices_at_fill or {}
    # Per symbol, open lots as (signed quantity, price); all lots of a symbol share a sign.
    books: defaultdict[str, deque[tuple[Decimal, Decimal]]] = defaultdict(deque)
    realized = Decimal(0)
    with localcontext(EXACT):
        for fill in chronological(fills):
            realized -= fee_in_quote(fill, prices.get(fill.id, _NO_PRICES))
            realized += _match_oldest(books[fill.symbol], position_delta(fill), fill.price)
    return realized


def _match_oldest(lots: deque[tuple[Decimal, Decimal]], delta: Decimal, price: Decimal) -> Decimal:
    realized = Decimal(0)
    while delta != 0 and lots and (lots[0][0] > 0) != (delta > 0):
        lot_qty, lot_price = lots[0]
        direction = 1 if lot_qty > 0 else -1  # a short lot gains when the price falls
        matched = min(abs(delta), abs(lot_qty))
        realized += (price - lot_price) * matched * direction
        if matched == abs(lot_qty):
            lots.popleft()
        else:
            lots[0] = (lot_qty - direction * matched, lot_price)
        delta += direction * matched
    if delta != 0:
        lots.append((delta, price))
    return realized


def average_cost(
    fills: Sequence[Fill],
    *,
    prices_at_fill: FillPrices | None = None,
    opening: Mapping[str, tuple[Decimal, Decimal]] | None = None,
) -> Decimal:
    """Realized P&L against the weighted average cost of the open position per symbol.

    `opening` is the inventory carried into the session: symbol -> (quantity, total cost)
    (domain.pnl.inventory.opening_book); without it every symbol starts flat.

    Raises:
        MissingPrice: a fee in a third asset has no price in prices_at_fill.
        MixedQuoteCurrencies: the fills do not share one quote currency.
    """
    session_quote(fills)
    prices = prices_at_fill or {}
    # An average cost is a quotient (1/3 of a basis...), which no Decimal holds exactly;
    # Fractions keep the book exact so a flat session's result has no rounding residue.
    books: dict[str, tuple[Fraction, Fraction]] = {  # symbol -> (position, signed cost basis)
        symbol: (Fraction(quantity), Fraction(cost))
        for symbol, (quantity, cost) in (opening or {}).items()
    }
    realized = Fraction(0)
    for fill in chronological(fills):
        realized -= Fraction(fee_in_quote(fill, prices.get(fill.id, _NO_PRICES)))
        position, basis = books.get(fill.symbol, (Fraction(0), Fraction(0)))
        delta, price = Fraction(position_delta(fill)), Fraction(fill.price)
        if position != 0 and (position > 0) != (delta > 0):
            direction = 1 if position > 0 else -1
            closed = min(abs(delta), abs(position))
            released = basis * closed / abs(position)  # the closed share of the basis
            realized += direction * closed * price - released
            position -= direction * closed
            basis -= released
            delta += direction * closed
        books[fill.symbol] = (position + delta, basis + delta * price)
    return _to_decimal(realized)


def cash_flow(
    fills: Sequence[Fill],
    *,
    mark_prices: Mapping[str, Decimal],
    prices_at_fill: FillPrices | None = None,
) -> Decimal:
    """Sell proceeds minus buy costs minus fees, plus any open position at its mark price.

    Args:
        fills: the session's fills, in any order.
        mark_prices: session-end price per symbol; needed only for symbols not flat.
        prices_at_fill: see FillPrices.

    Raises:
        MissingPrice: a fee or an open position cannot be valued.
        MixedQuoteCurrencies: the fills do not share one quote currency.
    """
    session_quote(fills)
    prices = prices_at_fill or {}
    total = Decimal(0)
    with localcontext(EXACT):
        for fill in fills:
            total += fill.cost if fill.side == "sell" else -fill.cost
            # A base fee moves no quote cash: it shrinks the position, valued below.
            if fill.fee_currency != fill.base:
                total -= fee_in_quote(fill, prices.get(fill.id, _NO_PRICES))
        for symbol, position in net_position(fills).items():
            if position == 0:
                continue
            if symbol not in mark_prices:
                raise MissingPrice(symbol, "marking the open position to market")
            total += position * mark_prices[symbol]
    return total


def _to_decimal(value: Fraction) -> Decimal:
    """Exact when the fraction terminates in base 10 (always so when the session is flat)."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        with localcontext(EXACT):
            return Decimal(value.numerator) / Decimal(value.denominator)
    places = max(twos, fives)  # 10**places is a multiple of the denominator
    scaled = value.numerator * 10**places // value.denominator
    return Decimal(f"{scaled}E-{places}")
