from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.pnl import (
    Fill,
    FillPrices,
    MissingPrice,
    average_cost,
    cash_flow,
    fee_in_quote,
    fifo,
    net_position,
)
from tests.support.fills import PRICES, SYMBOLS, fills_of, make_fill, sessions

NONSENSE = ["BTCUSDT buy 1 1", "A/B hold 1 1", "A/B buy 0 1", "A/B buy 1 1 -1", "A/B buy 1 1 1 A"]


def all_three(
    fills: list[Fill], prices: FillPrices | None = None, marks: dict[str, D] | None = None
) -> tuple[D, D, D]:
    return (
        fifo(fills, prices_at_fill=prices),
        average_cost(fills, prices_at_fill=prices),
        cash_flow(fills, prices_at_fill=prices, mark_prices=marks or {}),
    )


def test_partial_fills_of_one_order_with_quote_fees() -> None:
    fills = fills_of(
        "BTC/USDT buy 30000.00 0.5 15.00 USDT o1",
        "BTC/USDT buy 31000.00 0.5 15.50 USDT o1",
        "BTC/USDT sell 32000.00 1.0 32.00 USDT o2",
    )
    assert all_three(fills) == (D("1437.50"),) * 3


def test_bnb_fees_use_the_bnb_price_at_each_fill() -> None:
    buy, sell = fills_of("ETH/USDT buy 1500 2 0.01 BNB", "ETH/USDT sell 1600 2 0.02 BNB")
    prices = {buy.id: {"BNB/USDT": D("300")}, sell.id: {"BNB/USDT": D("310")}}
    assert all_three([buy, sell], prices) == (D("190.80"),) * 3  # 200 - 3.00 - 6.20


def test_fee_in_base_shrinks_what_a_buy_gets_and_adds_to_what_a_sell_gives() -> None:
    # Binance spot: 1 BTC bought with a 0.001 BTC fee leaves 0.999 BTC to sell.
    bought = fills_of("BTC/USDT buy 20000 1 0.001 BTC", "BTC/USDT sell 21000 0.999 20.979")
    sold = fills_of("BTC/USDT buy 20000 1.001", "BTC/USDT sell 21000 1 0.001 BTC")
    assert net_position(bought) == net_position(sold) == {"BTC/USDT": D(0)}
    assert all_three(bought) == (D("958.021"),) * 3  # 20979 - 20000 - 20.979
    assert all_three(sold) == (D("980"),) * 3  # 21000 - 20020: the fee BTC was bought too


def test_several_symbols_interleaved_with_a_short() -> None:
    fills = fills_of(
        "BTC/USDT buy 100 1 0.10",
        "ETH/USDT sell 2000 1 2.00",  # opens a short
        "BTC/USDT sell 110.55 1 0.11",
        "ETH/USDT buy 1900 1 1.90",
    )
    assert all_three(fills) == (D("106.44"),) * 3  # 10.55 + 100 - 4.11 in fees


def test_overselling_crosses_into_a_short_lot() -> None:
    fills = fills_of("BTC/USDT buy 100 1", "BTC/USDT sell 150 2", "BTC/USDT buy 120 1")
    assert all_three(fills) == (D("80"),) * 3


def test_average_cost_stays_exact_through_a_repeating_average() -> None:
    fills = fills_of(
        "BTC/USDT buy 100 1",
        "BTC/USDT buy 200 2",  # average 500/3
        "BTC/USDT sell 200 1",
        "BTC/USDT sell 200 2",
    )
    assert (fifo(fills[:3]), average_cost(fills[:3]).quantize(D("0.01"))) == (D(100), D("33.33"))
    assert all_three(fills) == (D("100"),) * 3


def test_open_position_realized_versus_marked() -> None:
    fills = fills_of("BTC/USDT buy 100 1", "BTC/USDT buy 200 1", "BTC/USDT sell 300 1")
    assert net_position(fills) == {"BTC/USDT": D("1")}
    # FIFO closed the 100 lot, the average was 150; cash flow marks the open unit at 250.
    assert all_three(fills, marks={"BTC/USDT": D("250")}) == (D("200"), D("150"), D("250"))
    with pytest.raises(MissingPrice, match="BTC/USDT"):
        cash_flow(fills, mark_prices={})


def test_fee_in_quote_by_fee_currency() -> None:
    in_quote, in_base, in_bnb = fills_of(
        "BTC/USDT buy 20000 0.5 10 USDT",
        "BTC/USDT buy 20000 0.5 0.0005 BTC",
        "BTC/USDT buy 20000 0.5 0.025 BNB",
    )
    assert fee_in_quote(in_quote, {}) == fee_in_quote(in_base, {}) == D("10")
    assert fee_in_quote(in_bnb, {"BNB/USDT": D("400")}) == D("10")
    with pytest.raises(MissingPrice, match="BNB/USDT"):
        fee_in_quote(in_bnb, {"BNB/BTC": D("0.01")})
    assert (in_quote.base, in_quote.quote, in_quote.cost) == ("BTC", "USDT", D("10000"))


def test_fills_refuse_floats() -> None:
    with pytest.raises(ValueError, match="finite Decimal"):
        Fill(**{**vars(make_fill("BTC/USDT buy 1 1")), "price": 1.5})


@pytest.mark.parametrize("row", NONSENSE)
def test_fills_refuse_nonsense(row: str) -> None:
    with pytest.raises(ValueError):
        make_fill(row)


@given(sessions())
def test_flat_sessions_agree_exactly(session: tuple[list[Fill], FillPrices]) -> None:
    fills, prices = session
    assert all(held == 0 for held in net_position(fills).values())
    realized, averaged, cash = all_three(fills, prices)
    assert realized == averaged == cash


@given(sessions(flat=False), st.fixed_dictionaries({symbol: PRICES for symbol in SYMBOLS}))
def test_marking_to_market_equals_closing_at_the_mark(
    session: tuple[list[Fill], FillPrices], marks: dict[str, D]
) -> None:
    fills, prices = session
    closes = [
        make_fill(f"{symbol} {'sell' if held > 0 else 'buy'} {marks[symbol]} {abs(held)}", 10**6)
        for symbol, held in net_position(fills).items()
        if held != 0
    ]
    expected = cash_flow(fills, mark_prices=marks, prices_at_fill=prices)
    assert all_three(fills + closes, prices) == (expected,) * 3
