"""A session across quote currencies, expressed in the event's currency at each fill's price.

A fill of ETH/BTC, in a session reported in USDT, is two trades at once: ETH bought (or sold)
for USDT at price x the BTC/USDT rate of that minute, and BTC sold (or bought) for USDT at
that rate. Both legs go through the inventory, so the BTC spent realizes its own profit
against its lots. A fee paid in the old quote stays in that asset (its balance pays it),
priced in the new quote at the same rate; balances move exactly as with the original fill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, localcontext

from domain.money import EXACT
from domain.pnl.fills import Fill, FillPrices, MissingPrice


def in_currency(
    fills: Sequence[Fill],
    currency: str,
    *,
    rates: Mapping[str, Decimal],
    prices_at_fill: FillPrices | None = None,
) -> tuple[list[Fill], dict[str, dict[str, Decimal]]]:
    """Every fill re-quoted in `currency`, with the fee prices the new fills need.

    Args:
        rates: fill id -> price of the fill's quote in `currency` at the fill's time; needed
            for every fill not already quoted in `currency`.
        prices_at_fill: the original fee prices ({"BNB/BTC": ...} for a BNB fee on ETH/BTC).

    Raises:
        MissingPrice: a fill has no rate, or its third-asset fee no price.
    """
    prices = {fid: dict(p) for fid, p in (prices_at_fill or {}).items()}
    converted: list[Fill] = []
    with localcontext(EXACT):
        for fill in fills:
            if fill.quote == currency:
                converted.append(fill)
                continue
            if fill.id not in rates:
                raise MissingPrice(f"{fill.quote}/{currency}", f"converting fill {fill.id}")
            rate = rates[fill.id]
            fee_prices = prices.setdefault(fill.id, {})
            if fill.fee_cost and fill.fee_currency not in (fill.base, fill.quote):
                old = f"{fill.fee_currency}/{fill.quote}"
                if old not in fee_prices:
                    raise MissingPrice(old, f"the fee of fill {fill.id}")
                fee_prices[f"{fill.fee_currency}/{currency}"] = fee_prices[old] * rate
            fee_prices[f"{fill.quote}/{currency}"] = rate
            base_leg = replace(fill, symbol=f"{fill.base}/{currency}", price=fill.price * rate)
            quote_leg = Fill(
                id=f"{fill.id}~{fill.quote}",
                order_id=fill.order_id,
                symbol=f"{fill.quote}/{currency}",
                side="sell" if fill.side == "buy" else "buy",
                price=rate,
                amount=fill.cost,
                timestamp_ms=fill.timestamp_ms,
                fee_cost=Decimal(0),
                fee_currency=currency,
            )
            converted += [base_leg, quote_leg]
    return converted, prices
