from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from domain.money import to_minor
from domain.pnl import (
    DEFAULT_VERIFICATION_POLICY,
    Fill,
    FillPrices,
    Outcome,
    Reason,
    VerificationPolicy,
    decide,
    fifo,
    positions_count,
    verify_session,
)
from tests.support.fills import START_MS, fills_of, make_fill
from tests.support.fills import long_sessions as sessions

END_MS = START_MS + 10 * 60_000  # ten minutes: long enough by the default policy
ROUND_TRIP = fills_of(
    "BTC/USDT buy 30000.00 0.5 15.00 USDT o1",
    "BTC/USDT buy 31000.00 0.5 15.50 USDT o1",
    "BTC/USDT sell 32000.00 1.0 32.00 USDT o2",
)


def verify(fills: list[Fill] = ROUND_TRIP, reported: str = "1437.50", **overrides: Any) -> Any:
    arguments: dict[str, Any] = dict(
        fills=fills,
        reported_profit=D(reported),
        session_start_ms=START_MS,
        session_end_ms=END_MS,
        positions_count=positions_count(fills),
    )
    return verify_session(**(arguments | overrides))


def test_a_clean_profitable_session_opens_a_share() -> None:
    result = verify()
    assert result.agreed and result.reasons == ()
    assert result.verified_profit == D("1437.50") and result.currency == "USDT"
    assert result.methods == {
        "fifo": D("1437.50"),
        "average_cost": D("1437.50"),
        "cash_flow": D("1437.50"),
    }
    assert result.open_positions == {} and result.fills == 3
    assert decide(result) is Outcome.OPEN and str(Outcome.OPEN) == "open"


def test_a_losing_session_is_no_share() -> None:
    fills = fills_of("BTC/USDT buy 100 1", "BTC/USDT sell 90.005 1")
    result = verify(fills, reported="-9.99")
    assert result.verified_profit == D("-10.00")  # -9.995 rounds half away from zero
    assert decide(result) == Outcome.NO_SHARE


def test_fills_outside_the_session_are_ignored() -> None:
    before = make_fill("BTC/USDT buy 1 1 0 USDT early", ts=-1)
    after = make_fill("BTC/USDT sell 99999 1 0 USDT late", ts=END_MS - START_MS + 1)
    result = verify([before, *ROUND_TRIP, after], positions_count=1)
    assert result.agreed and result.fills == 3


def test_short_session_and_wrong_position_count_go_to_review() -> None:
    result = verify(session_end_ms=START_MS + 5 * 60_000 - 1, positions_count=3)
    assert result.reasons == (Reason.SESSION_TOO_SHORT, Reason.POSITIONS_COUNT_MISMATCH)
    assert decide(result) == Outcome.UNDER_REVIEW


def test_repeated_fill_counts_once_and_conflicting_one_is_flagged() -> None:
    assert verify([*ROUND_TRIP, ROUND_TRIP[0]]).agreed
    impostor = Fill(**{**vars(ROUND_TRIP[0]), "price": D("30001.00")})
    result = verify([*ROUND_TRIP, impostor])
    assert result.reasons == (Reason.CONFLICTING_FILLS,) and result.fills == 3


def test_large_profit_goes_to_review() -> None:
    fills = fills_of("BTC/USDT buy 20000 1", "BTC/USDT sell 30000.01 1")
    result = verify(fills, reported="10000.01")
    assert result.reasons == (Reason.LARGE_PROFIT_REVIEW,)
    assert verify(
        fills, reported="10000.01", policy=VerificationPolicy(review_above=D("2e4"))
    ).agreed


def test_missing_bnb_price_goes_to_review_instead_of_raising() -> None:
    fills = fills_of("BTC/USDT buy 100 1 0.01 BNB", "BTC/USDT sell 110 1")
    result = verify(fills, reported="7")
    assert result.reasons == (Reason.MISSING_PRICE,) and result.methods == {}
    fixed = verify(fills, reported="7", prices_at_fill={fills[0].id: {"BNB/USDT": D("300")}})
    assert fixed.agreed and fixed.verified_profit == D("7.00")


def test_large_open_position_makes_methods_disagree() -> None:
    fills = fills_of("BTC/USDT buy 100 2", "BTC/USDT sell 110 1")
    result = verify(fills, reported="10", mark_prices={"BTC/USDT": D("150")})
    assert result.methods["cash_flow"] == D("60") and result.verified_profit == D("10.00")
    assert result.reasons == (Reason.METHODS_DISAGREE,)
    assert result.open_positions == {"BTC/USDT": D("1")}
    # Without a mark the open position cannot be valued at all.
    assert verify(fills, reported="10").reasons == (Reason.MISSING_PRICE,)


def test_no_fills_and_nothing_reported_is_no_share() -> None:
    result = verify([], reported="0")
    assert result.agreed and result.currency is None and decide(result) == Outcome.NO_SHARE


def test_mixed_quotes_go_to_review() -> None:
    fills = fills_of("BTC/USDT buy 1 1", "ETH/BTC sell 1 1")
    assert verify(fills, reported="0").reasons == (Reason.MIXED_QUOTE_CURRENCIES,)


TOLERANCE = DEFAULT_VERIFICATION_POLICY.tolerance
WITHIN = st.decimals(min_value=-TOLERANCE, max_value=TOLERANCE, places=4)
BEYOND = st.decimals(min_value=TOLERANCE + D("0.0001"), max_value=D("3"), places=4)


def profitable(session: tuple[list[Fill], FillPrices]) -> D:
    fills, prices = session
    # A spot account cannot sell what it does not hold: shorts have no cost basis.
    profit = to_minor(fifo(fills, prices_at_fill=prices), "USDT")
    assume(D(0) < profit <= DEFAULT_VERIFICATION_POLICY.review_above)
    return profit


@given(sessions(), WITHIN)
def test_reported_within_tolerance_opens(session: tuple[list[Fill], FillPrices], off: D) -> None:
    profit = profitable(session)
    result = verify(session[0], str(profit * (1 + off)), prices_at_fill=session[1])
    assert result.reasons == () and result.verified_profit == profit
    assert decide(result) == Outcome.OPEN


@given(sessions(), BEYOND, st.sampled_from([1, -1]))
def test_reported_beyond_tolerance_is_flagged(
    session: tuple[list[Fill], FillPrices], off: D, sign: int
) -> None:
    profit = profitable(session)
    result = verify(session[0], str(profit * (1 + sign * off)), prices_at_fill=session[1])
    assert result.reasons == (Reason.REPORTED_PROFIT_MISMATCH,)
    assert decide(result) == Outcome.UNDER_REVIEW
