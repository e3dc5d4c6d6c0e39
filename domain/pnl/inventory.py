"""An exchange account's inventory: FIFO lots carried from session to session.

A session's realized P&L is its sells matched against the oldest lots of the same asset and
quote currency, whichever session (or the registration snapshot) opened them; what it buys
and does not sell becomes new lots at cost, carried to the next session. Splitting one
sequence of fills into consecutive sessions therefore changes nothing: the sum of the
sessions' realized P&L is the P&L of the whole sequence, exactly (no rounding anywhere).

Spot accounts cannot go short, so a sell beyond the known lots, or against a lot whose cost
is unknown, has no cost basis: that quantity is reported (`unknown`) and left out of the
realized figure; the session goes to review (`unknown_cost_basis`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Any

from domain.money import EXACT
from domain.pnl.fills import Fill, FillPrices, chronological, fee_in_quote, position_delta

_NO_PRICES: Mapping[str, Decimal] = {}
REGISTRATION = "registration"


@dataclass(frozen=True, kw_only=True)
class Lot:
    """Quantity of `asset` bought at `price` (in `quote`) per unit; None: cost unknown."""

    asset: str
    quote: str
    quantity: Decimal
    price: Decimal | None
    source: str  # the event that opened it, or "registration"

    def to_json(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "quote": self.quote,
            "quantity": str(self.quantity),
            "price": None if self.price is None else str(self.price),
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lot:
        price = data.get("price")
        return cls(
            asset=data["asset"],
            quote=data["quote"],
            quantity=Decimal(data["quantity"]),
            price=None if price is None else Decimal(price),
            source=data["source"],
        )


@dataclass(frozen=True)
class Realized:
    """What a session did to the inventory.

    Attributes:
        pnl: realized P&L in the fills' quote currency, fees subtracted, unrounded.
        lots: the inventory after the session, oldest first.
        unknown: asset -> quantity sold with no known cost (beyond the lots or against
            lots of unknown cost); empty when every sell had a cost basis.
    """

    pnl: Decimal
    lots: tuple[Lot, ...]
    unknown: dict[str, Decimal] = field(default_factory=dict)


def realize(
    lots: Sequence[Lot],
    fills: Sequence[Fill],
    *,
    source: str,
    prices_at_fill: FillPrices | None = None,
    unknown_cost: bool = False,
) -> Realized:
    """Apply a session's fills to the carried lots, FIFO per asset and quote.

    Args:
        lots: the inventory before the session, oldest first.
        fills: the session's fills, any order.
        source: recorded on the lots this session opens (its event id).
        prices_at_fill: see FillPrices; for fees paid in a third asset.
        unknown_cost: the session's own buys enter the book with an unknown cost (a
            rejected session whose fills happened but whose figures were not accepted).

    Raises:
        MissingPrice: a fee in a third asset has no price in prices_at_fill.
    """
    book = list(lots)
    prices = prices_at_fill or {}
    pnl = Decimal(0)
    unknown: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for fill in chronological(fills):
            fee = fee_in_quote(fill, prices.get(fill.id, _NO_PRICES))
            pnl -= fee
            if fill.fee_cost and fill.fee_currency not in (fill.base, fill.quote):
                pnl += _pay_fee(book, fill, fee / fill.fee_cost)
            delta = position_delta(fill)
            if delta > 0:
                price = None if unknown_cost else fill.price
                book.append(
                    Lot(
                        asset=fill.base,
                        quote=fill.quote,
                        quantity=delta,
                        price=price,
                        source=source,
                    )
                )
                continue
            gained, missing = _sell(book, fill, -delta)
            pnl += gained
            if missing:
                unknown[fill.base] = unknown.get(fill.base, Decimal(0)) + missing
    return Realized(pnl=pnl, lots=tuple(book), unknown=unknown)


def _pay_fee(book: list[Lot], fill: Fill, price: Decimal) -> Decimal:
    """A fee paid in a third asset (BNB) spends lots of it: the fee was expensed at `price`,
    so the lots' gain or loss against their cost is realized too. Fee quantity beyond the
    lots is not a sale: it stays an expense, with no cost basis to question."""
    spent = Fill(
        id=fill.id,
        order_id=fill.order_id,
        symbol=f"{fill.fee_currency}/{fill.quote}",
        side="sell",
        price=price,
        amount=fill.fee_cost,
        timestamp_ms=fill.timestamp_ms,
        fee_cost=Decimal(0),
        fee_currency=fill.quote,
    )
    gained, _ = _sell(book, spent, fill.fee_cost)
    return gained


def _sell(book: list[Lot], fill: Fill, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """Takes `quantity` of the fill's base out of the oldest matching lots (in place).

    Returns the realized gain and the quantity that had no known cost.
    """
    gained, missing = Decimal(0), Decimal(0)
    index = 0
    while quantity > 0 and index < len(book):
        lot = book[index]
        if (lot.asset, lot.quote) != (fill.base, fill.quote):
            index += 1
            continue
        matched = min(quantity, lot.quantity)
        if lot.price is None:
            missing += matched
        else:
            gained += (fill.price - lot.price) * matched
        quantity -= matched
        if matched == lot.quantity:
            del book[index]
        else:
            book[index] = replace(lot, quantity=lot.quantity - matched)
    return gained, missing + quantity


def before_registration(lots: Sequence[Lot], early: Sequence[Fill]) -> tuple[Lot, ...]:
    """The registration lots as they stood before `early`, fills that preceded the snapshot.

    The snapshot was read after those fills, so its lots already hold what they bought; the
    session that made them is verified from its own fills, so their net effect is taken back
    out of the registration lots first (else it would be counted twice). What they sold had
    been held before, at a cost nobody knows: it comes back as a lot of unknown cost.
    """
    net: dict[tuple[str, str], Decimal] = {}
    with localcontext(EXACT):
        for fill in early:
            key = (fill.base, fill.quote)
            net[key] = net.get(key, Decimal(0)) + position_delta(fill)
        book = list(lots)
        for (asset, quote), quantity in net.items():
            if quantity < 0:
                book.insert(
                    0,
                    Lot(
                        asset=asset,
                        quote=quote,
                        quantity=-quantity,
                        price=None,
                        source=REGISTRATION,
                    ),
                )
                continue
            index = 0
            while quantity > 0 and index < len(book):
                lot = book[index]
                if lot.source != REGISTRATION or lot.asset != asset:
                    index += 1
                    continue
                taken = min(quantity, lot.quantity)
                quantity -= taken
                if taken == lot.quantity:
                    del book[index]
                else:
                    book[index] = replace(lot, quantity=lot.quantity - taken)
    return tuple(book)


def opening_book(lots: Sequence[Lot]) -> dict[str, tuple[Decimal, Decimal]]:
    """symbol ("BTC/USDT") -> (quantity, cost) of the carried lots whose cost is known:
    the average-cost method starts its book from these."""
    book: dict[str, tuple[Decimal, Decimal]] = {}
    with localcontext(EXACT):
        for lot in lots:
            if lot.price is None:
                continue
            symbol = f"{lot.asset}/{lot.quote}"
            quantity, cost = book.get(symbol, (Decimal(0), Decimal(0)))
            book[symbol] = (quantity + lot.quantity, cost + lot.quantity * lot.price)
    return book


def average_costs(lots: Sequence[Lot]) -> dict[str, Decimal]:
    """symbol -> average unit cost of the carried lots whose cost is known."""
    with localcontext(EXACT):
        return {
            symbol: cost / quantity
            for symbol, (quantity, cost) in opening_book(lots).items()
            if quantity > 0
        }
