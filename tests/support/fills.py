"""Exchange fills for the P&L tests: written as one-line rows, or drawn at random (hypothesis)."""

from __future__ import annotations

from decimal import Decimal as D
from itertools import count

from hypothesis import strategies as st

from domain.pnl import Fill, FillPrices, net_position, position_delta

START_MS = 1_700_000_000_000
_ids = count()


def make_fill(row: str, ts: int = 0) -> Fill:
    """A fill from 'SYMBOL side price amount [fee [fee_currency [order]]]', at START_MS + ts."""
    symbol, side, price, amount, *given = row.split()
    fee, fee_currency, order = given + ["0", "USDT", ""][len(given) :]
    fill_id = f"f{next(_ids)}"
    return Fill(
        id=fill_id,
        order_id=order or fill_id,
        symbol=symbol,
        side=side,  # type: ignore[arg-type]
        price=D(price),
        amount=D(amount),
        timestamp_ms=START_MS + ts,
        fee_cost=D(fee),
        fee_currency=fee_currency,
    )


def fills_of(*rows: str) -> list[Fill]:
    """One fill per row, 1 ms apart."""
    return [make_fill(row, ts=index) for index, row in enumerate(rows, start=1)]


# Bounded places keep every product exact, so "agree" can mean equal.
PRICES = st.decimals(min_value=D("1"), max_value=D("1000"), places=2)
AMOUNTS = st.decimals(min_value=D("0.000001"), max_value=D("5"), places=6)
SMALL_FEES = st.decimals(min_value=D("0"), max_value=D("0.01"), places=8)
SYMBOLS = ("BTC/USDT", "ETH/USDT")
RATE = D("0.001")  # a typical taker fee


@st.composite
def sessions(draw: st.DrawFn, *, flat: bool = True) -> tuple[list[Fill], FillPrices]:
    """Random fills over two symbols (shorts included), closed out at the end when flat."""
    fills: list[Fill] = []
    prices: dict[str, dict[str, D]] = {}
    for ts in range(0, 1000 * draw(st.integers(1, 10)), 1000):
        symbol, side = draw(st.sampled_from(SYMBOLS)), draw(st.sampled_from(["buy", "sell"]))
        price, amount, order = draw(PRICES), draw(AMOUNTS), draw(st.sampled_from("abc"))
        kind = draw(st.sampled_from(["quote", "base", "bnb"]))
        fee = {"quote": price * amount * RATE, "base": amount * RATE, "bnb": draw(SMALL_FEES)}[kind]
        currency = {"quote": "USDT", "base": symbol.split("/")[0], "bnb": "BNB"}[kind]
        fills.append(make_fill(f"{symbol} {side} {price} {amount} {fee} {currency} {order}", ts))
        prices[fills[-1].id] = {"BNB/USDT": draw(PRICES)}
    for symbol, held in net_position(fills).items() if flat else ():
        base, price, ts = symbol.split("/")[0], draw(PRICES), 1000 * len(fills)
        if held != 0 and draw(st.booleans()):
            side, fee = "sell" if held > 0 else "buy", draw(SMALL_FEES)
            fills.append(make_fill(f"{symbol} {side} {price} {abs(held)} {fee}", ts))
        elif held > 0:  # a base fee comes on top of what is sold
            fee = held * RATE
            fills.append(make_fill(f"{symbol} sell {price} {held - fee} {fee} {base}", ts))
        elif held < 0:  # a base fee is taken out of what is bought
            fee = draw(SMALL_FEES)
            fills.append(make_fill(f"{symbol} buy {price} {fee - held} {fee} {base}", ts))
    return fills, prices


@st.composite
def long_sessions(draw: st.DrawFn, *, flat: bool = True) -> tuple[list[Fill], FillPrices]:
    """Random buys and sells over two symbols that never sell more than is held (spot)."""
    fills: list[Fill] = []
    prices: dict[str, dict[str, D]] = {}
    held = {symbol: D(0) for symbol in SYMBOLS}
    for ts in range(0, 1000 * draw(st.integers(1, 12)), 1000):
        symbol, price = draw(st.sampled_from(SYMBOLS)), draw(PRICES)
        kind = draw(st.sampled_from(["quote", "base", "bnb"]))
        if held[symbol] > 0 and draw(st.booleans()):
            amount = held[symbol] * draw(st.sampled_from([D("0.25"), D("0.5"), D("1")]))
            kind = "quote" if kind == "base" else kind  # a base fee would sell beyond it
            side = "sell"
        else:
            amount, side = draw(AMOUNTS), "buy"
        fee = {"quote": price * amount * RATE, "base": amount * RATE, "bnb": draw(SMALL_FEES)}[kind]
        currency = {"quote": "USDT", "base": symbol.split("/")[0], "bnb": "BNB"}[kind]
        fill = make_fill(f"{symbol} {side} {price} {amount} {fee} {currency}", ts)
        held[symbol] += position_delta(fill)
        fills.append(fill)
        prices[fill.id] = {"BNB/USDT": draw(PRICES)}
    for symbol, quantity in held.items() if flat else ():
        if quantity > 0:
            fills.append(make_fill(f"{symbol} sell {draw(PRICES)} {quantity}", 1000 * len(fills)))
    return fills, prices
