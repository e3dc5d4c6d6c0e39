"""Inventory carried across sessions (FIFO lots), positions_count as round trips, balances."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from domain.pnl import (
    BalanceEvidence,
    Fill,
    FillPrices,
    Lot,
    Reason,
    Transfer,
    fifo,
    positions_count,
    realize,
    reconcile,
    verify_session,
)
from domain.pnl.inventory import before_registration
from tests.support.fills import (
    START_MS,
    fills_of,
    long_sessions,
    make_fill,
)

HOUR = 3_600_000


# --- the split-session hole -------------------------------------------------------------


@given(long_sessions(flat=False), st.lists(st.integers(0, 30), max_size=6))
def test_any_split_into_sessions_realizes_the_same_as_the_whole(
    session: tuple[list[Fill], FillPrices], cuts: list[int]
) -> None:
    fills, prices = session
    bounds = sorted({min(cut, len(fills)) for cut in cuts} | {0, len(fills)})
    lots: tuple[Lot, ...] = ()
    total = D(0)
    for start, end in zip(bounds, bounds[1:], strict=False):
        part = realize(lots, fills[start:end], source=f"s{start}", prices_at_fill=prices)
        total += part.pnl
        lots = part.lots
        assert not part.unknown
    whole = realize([], fills, source="whole", prices_at_fill=prices)
    assert total == whole.pnl  # exactly: nothing is rounded on the way
    assert [(lot.asset, lot.quantity, lot.price) for lot in lots] == [
        (lot.asset, lot.quantity, lot.price) for lot in whole.lots
    ]


@given(long_sessions())
def test_a_flat_sequence_realizes_what_per_session_fifo_does(
    session: tuple[list[Fill], FillPrices],
) -> None:
    fills, prices = session
    result = realize([], fills, source="s", prices_at_fill=prices)
    assert result.pnl == fifo(fills, prices_at_fill=prices) and result.lots == ()


def test_buy_in_one_session_sell_in_the_next_realizes_in_the_second() -> None:
    buy, sell = fills_of("BTC/USDT buy 50000 1 50 USDT", "BTC/USDT sell 52000 1 52 USDT")
    a = realize([], [buy], source="A")
    b = realize(a.lots, [sell], source="B")
    assert a.pnl == D("-50") and a.lots == (
        Lot(asset="BTC", quote="USDT", quantity=D("1"), price=D("50000"), source="A"),
    )
    assert b.pnl == D("1948") and b.lots == ()


def test_selling_beyond_the_lots_reports_the_unknown_quantity() -> None:
    opening = Lot(asset="BTC", quote="USDT", quantity=D("0.5"), price=D("40000"), source="reg")
    unknown = Lot(asset="ETH", quote="USDT", quantity=D("2"), price=None, source="reg")
    fills = fills_of("BTC/USDT sell 42000 0.75", "ETH/USDT sell 3000 1")
    result = realize([opening, unknown], fills, source="A")
    assert result.pnl == D("1000")  # 0.5 x 2000; the rest has no cost
    assert result.unknown == {"BTC": D("0.25"), "ETH": D("1")}
    assert result.lots == (
        Lot(asset="ETH", quote="USDT", quantity=D("1"), price=None, source="reg"),
    )


def test_a_rejected_session_leaves_its_buys_with_unknown_cost() -> None:
    result = realize([], fills_of("BTC/USDT buy 100 1"), source="A", unknown_cost=True)
    assert result.lots[0].price is None


# --- positions_count --------------------------------------------------------------------


def test_dca_entries_then_one_exit_are_one_position() -> None:
    fills = fills_of(
        "BTC/USDT buy 100 1 0 USDT o1",
        "BTC/USDT buy 90 1 0 USDT o2",
        "BTC/USDT buy 80 1 0 USDT o3",
        "BTC/USDT sell 95 3 0 USDT o4",
    )
    assert positions_count(fills) == 1


def test_two_round_trips_in_one_symbol_are_two() -> None:
    fills = fills_of(
        "BTC/USDT buy 100 1 0 USDT o1",
        "BTC/USDT sell 101 1 0 USDT o2",
        "BTC/USDT buy 100 1 0 USDT o3",
        "BTC/USDT sell 102 0.5 0 USDT o4",
        "BTC/USDT sell 102 0.5 0 USDT o4",
    )
    assert positions_count(fills) == 2


def test_a_position_open_at_the_end_counts() -> None:
    fills = fills_of(
        "BTC/USDT buy 100 1 0 USDT o1",
        "BTC/USDT sell 101 1 0 USDT o2",
        "ETH/USDT buy 10 1 0 USDT o1",
    )
    assert positions_count(fills) == 2


def test_base_fee_dust_within_the_lot_step_is_flat() -> None:
    fills = fills_of("BTC/USDT buy 100 1 0.001 BTC", "BTC/USDT sell 101 0.99899")
    assert positions_count(fills) == 1
    more = fills + [make_fill("BTC/USDT buy 100 1", ts=10), make_fill("BTC/USDT sell 1 1", 11)]
    assert positions_count(more, lot_steps={"BTC/USDT": D("0.00001")}) == 2
    assert positions_count(more) == 1  # without the step, the dust keeps it open


def test_a_positions_mismatch_gives_both_figures() -> None:
    fills = fills_of("BTC/USDT buy 100 1 0 USDT o1", "BTC/USDT sell 101 1 0 USDT o2")
    result = verify_session(
        fills=fills,
        reported_profit=D("1"),
        session_start_ms=START_MS,
        session_end_ms=START_MS + HOUR,
        positions_count=2,
    )
    assert result.reasons == (Reason.POSITIONS_COUNT_MISMATCH,)
    assert result.details == {"positions_count_mismatch": "reported 2, the fills show 1"}


# --- balances ---------------------------------------------------------------------------


def test_balances_explained_by_fills_and_a_withdrawal_reconcile() -> None:
    fills = fills_of("BTC/USDT buy 50000 1 0.001 BTC", "BTC/USDT sell 51000 0.5 25.5 USDT")
    withdrawal = Transfer(
        kind="withdrawal", asset="BTC", amount=D("0.2"), fee=D("0.0005"), timestamp_ms=START_MS
    )
    before = {"USDT": D("60000"), "BTC": D("0")}
    after = {"USDT": D("35474.5"), "BTC": D("0.2985")}
    assert reconcile(before, after, fills=fills, transfers=[withdrawal]) == []
    dropped = {"USDT": D("35000"), "BTC": D("0.2985")}
    [mismatch] = reconcile(before, dropped, fills=fills, transfers=[withdrawal])
    assert (mismatch.asset, mismatch.expected, mismatch.actual) == (
        "USDT",
        D("-24525.5"),
        D("-25000"),
    )


def _verify(fills: list[Fill], carried: list[Lot], evidence: BalanceEvidence, reported: str):
    return verify_session(
        fills=fills,
        reported_profit=D(reported),
        session_start_ms=START_MS,
        session_end_ms=START_MS + HOUR,
        positions_count=positions_count(fills),
        currency="USDT",
        carried=carried,
        source="B",
        balances=evidence,
    )


def test_cash_flow_reads_the_balances_and_values_kept_assets_at_cost() -> None:
    carried = [Lot(asset="BTC", quote="USDT", quantity=D("1"), price=D("50000"), source="A")]
    fills = fills_of("BTC/USDT sell 52000 0.96 49.92 USDT")
    before, after = {"USDT": D("0"), "BTC": D("1")}, {"USDT": D("49870.08"), "BTC": D("0.04")}
    result = _verify(fills, carried, BalanceEvidence(before, after), "1870.08")
    assert result.agreed, result
    assert result.methods == {
        "fifo": D("1870.08"),
        "average_cost": D("1870.08"),
        "cash_flow": D("1870.08"),
    }
    assert "balance snapshots" in result.inputs["cash_flow"]
    assert result.lots == (
        Lot(asset="BTC", quote="USDT", quantity=D("0.04"), price=D("50000"), source="A"),
    )


def test_an_unexplained_drop_is_a_balance_mismatch_with_the_figures() -> None:
    carried = [Lot(asset="BTC", quote="USDT", quantity=D("1"), price=D("50000"), source="A")]
    fills = fills_of("BTC/USDT sell 52000 1")
    before, after = {"USDT": D("0"), "BTC": D("1")}, {"USDT": D("51000"), "BTC": D("0")}
    result = _verify(fills, carried, BalanceEvidence(before, after), "2000")
    assert Reason.BALANCE_MISMATCH in result.reasons
    assert result.details["balance_mismatch"] == "USDT: expected +52000, actual +51000"


def test_the_event_currency_must_be_the_fills_quote() -> None:
    fills = fills_of("BTC/USDT buy 100 1", "BTC/USDT sell 101.5 1")
    result = verify_session(
        fills=fills,
        reported_profit=D("1.50"),
        session_start_ms=START_MS,
        session_end_ms=START_MS + HOUR,
        positions_count=1,
        currency="INR",
    )
    assert result.reasons == (Reason.CURRENCY_MISMATCH,)
    assert result.details["currency_mismatch"] == "fills quoted in USDT, event says INR"


def test_the_review_limit_is_given_in_the_quote_currency() -> None:
    fills = fills_of("ETH/BTC buy 0.05 40", "ETH/BTC sell 0.08 40")  # 1.2 BTC profit
    result = verify_session(
        fills=fills,
        reported_profit=D("1.2"),
        session_start_ms=START_MS,
        session_end_ms=START_MS + HOUR,
        positions_count=1,
        currency="BTC",
        review_above=D("0.1"),  # 10000 USD at 100000 USD/BTC
    )
    assert result.reasons == (Reason.LARGE_PROFIT_REVIEW,)


def test_fills_before_the_registration_snapshot_are_not_counted_twice() -> None:
    opening = [
        Lot(asset="BTC", quote="USDT", quantity=D("1.5"), price=D("60000"), source="registration")
    ]
    early = fills_of("BTC/USDT buy 59000 1", "ETH/USDT sell 3000 2")
    assert before_registration(opening, early) == (
        Lot(asset="ETH", quote="USDT", quantity=D("2"), price=None, source="registration"),
        Lot(asset="BTC", quote="USDT", quantity=D("0.5"), price=D("60000"), source="registration"),
    )


def test_a_session_across_quotes_is_converted_at_each_fills_rate() -> None:
    carried = [Lot(asset="BTC", quote="USDT", quantity=D("1"), price=D("50000"), source="A")]
    fills = fills_of("ETH/BTC buy 0.05 1 0.00005 BTC", "ETH/USDT sell 3100 1")
    rates = {fills[0].id: D("60000")}  # BTC/USDT in the minute of the ETH/BTC fill

    def run(**kw):
        return verify_session(
            fills=fills,
            reported_profit=D("597"),
            session_start_ms=START_MS,
            session_end_ms=START_MS + HOUR,
            positions_count=2,  # per symbol: ETH/BTC left open, ETH/USDT too
            currency="USDT",
            carried=carried,
            source="B",
            balances=BalanceEvidence({"BTC": D("1")}, {"BTC": D("0.94995"), "USDT": D("3100")}),
            **kw,
        )

    result = run(quote_rates=rates)
    # ETH: bought at 0.05 x 60000 = 3000, sold at 3100: +100; the 0.05 BTC it cost were
    # bought at 50000 and given at 60000: +500; the 0.00005 BTC fee is 3 USDT.
    assert result.reasons == (), result
    assert result.verified_profit == D("597.50")
    # The fee's BTC came out of the lot too: it cost 2.50, not the 3.00 expensed, so FIFO
    # realizes that 0.50; cash_flow: +3100 USDT, -0.05005 BTC at the carried 50000.
    assert result.methods == {"fifo": D("597.5"), "average_cost": 597, "cash_flow": D("597.5")}
    assert result.lots == (
        Lot(asset="BTC", quote="USDT", quantity=D("0.94995"), price=D("50000"), source="A"),
    )
    assert run().reasons == (Reason.MISSING_PRICE,)
