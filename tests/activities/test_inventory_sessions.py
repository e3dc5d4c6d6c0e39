"""Inventory across sessions of one account: unmodified ccxt against the emulator over HTTP.

Each test registers an account (its holdings snapshotted as at registration), then trades on
the emulator after registration (the emulator moves the balances as Binance would) and
verifies the sessions with the real verify_session activity.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from temporalio.exceptions import ApplicationError

from activities.exchange.inventory import EARLIER_SESSION_PENDING, resolve_review
from activities.fx.fixed import DEV_RATES, FixedFxRates
from db import inventory as books
from domain.models import ProfitEvent, VerificationSummary
from domain.policy import Policy
from tests.support.exchange_account import MINUTE, Account, at_ms, trade

RATE = Policy().share.share_rate


async def test_buy_in_one_session_sell_in_the_next_bills_the_second(open_account):
    acc, _ = await open_account()
    a_end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1", "50"))
    b_start = a_end + 1
    b_end = await acc.trade(trade("BTCUSDT", "sell", "52000", "1", "52"))
    a = await acc.verify(acc.event(acc.registered_ms - 10 * MINUTE, a_end, "-50"))
    assert a.reasons == [] and a.verified_profit == Decimal("-50.00")  # no share: fees only
    b = await acc.verify(acc.event(b_start, max(b_end, b_start + 6 * MINUTE), "1948"))
    assert b.reasons == [], b.details
    assert b.verified_profit == Decimal("1948.00")  # 2,000 less B's fees
    assert b.methods == {
        "fifo": Decimal("1948.00"),
        "average_cost": Decimal("1948.00"),
        "cash_flow": Decimal("1948.00"),
    }
    assert "balance snapshots" in b.inputs["cash_flow"] and "carried" in b.inputs["fifo"]
    assert RATE * b.verified_profit == Decimal("292.2000")
    assert await acc.lots() == []


async def test_a_position_sold_over_two_sessions_bills_the_whole_profit(open_account):
    acc, _ = await open_account()
    a_end = await acc.trade(
        trade("BTCUSDT", "buy", "50000", "1"), trade("BTCUSDT", "sell", "52500", "0.96")
    )
    b_start = a_end + 1
    b_end = await acc.trade(trade("BTCUSDT", "sell", "53000", "0.04"))
    a = await acc.verify(acc.event(acc.registered_ms - 10 * MINUTE, a_end, "2400"))
    b = await acc.verify(acc.event(b_start, max(b_end, b_start + 6 * MINUTE), "120"))
    assert a.reasons == [] and b.reasons == [], (a.details, b.details)
    assert (a.verified_profit, b.verified_profit) == (Decimal("2400.00"), Decimal("120.00"))
    whole = Decimal("0.96") * 2500 + Decimal("0.04") * 3000
    assert RATE * a.verified_profit + RATE * b.verified_profit == RATE * whole


async def test_holdings_at_registration_are_sold_against_their_registration_value(
    open_account,
):
    acc, snapshot = await open_account({"USDT": "1000", "BTC": "1"}, prices={"BTC/USDT": "60000"})
    assert Decimal(snapshot.cash) == 1000 and snapshot.quote == "USDT"
    btc = snapshot.assets["BTC"]
    assert (Decimal(btc.quantity), Decimal(btc.price), Decimal(btc.value)) == (1, 60000, 60000)
    end = await acc.trade(trade("BTCUSDT", "sell", "61000", "1", "61"))
    result = await acc.verify(acc.event(acc.registered_ms - 10 * MINUTE, end, "939"))
    assert result.reasons == [], result.details
    assert result.verified_profit == Decimal("939.00")


async def test_a_withdrawal_between_sessions_is_no_mismatch(open_account):
    acc, _ = await open_account()
    a_end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    await acc.verify(acc.event(acc.registered_ms - 10 * MINUTE, a_end, "0"))
    await asyncio.sleep(1.1)  # Binance dates a withdrawal to the second
    await acc.control("withdrawals", {"coin": "BTC", "amount": "0.5", "transactionFee": "0.0005"})
    await asyncio.sleep(1.1)
    b_start = await acc.now()
    b_end = await acc.trade(trade("BTCUSDT", "sell", "51000", "0.4995"))
    b = await acc.verify(acc.event(b_start, b_start + 6 * MINUTE, "499.5"))
    assert b.reasons == [], b.details
    assert b.verified_profit == Decimal("499.50") and b_end > b_start


async def test_an_unexplained_balance_drop_is_a_balance_mismatch(open_account):
    acc, _ = await open_account()
    a_end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    await acc.verify(acc.event(acc.registered_ms - 10 * MINUTE, a_end, "0"))
    b_start = await acc.now() + 1
    await acc.trade(trade("BTCUSDT", "sell", "51000", "1"))
    await acc.control("balances", {"USDT": "90000"})  # 11,000 USDT gone, no trade, no transfer
    b = await acc.verify(acc.event(b_start, b_start + 6 * MINUTE, "1000"))
    assert "balance_mismatch" in b.reasons
    assert b.details["balance_mismatch"] == "USDT: expected +51000, actual +40000"


async def test_sessions_arriving_in_reverse_order_are_verified_in_session_order(open_account, deps):
    async def two_sessions(acc: Account) -> tuple[ProfitEvent, ProfitEvent]:
        a_end = await acc.trade(
            trade("BTCUSDT", "buy", "50000", "1"), trade("BTCUSDT", "buy", "50400", "1")
        )
        b_end = await acc.trade(trade("BTCUSDT", "sell", "53000", "1.5"))
        a = acc.event(acc.registered_ms - 10 * MINUTE, a_end, "0")
        b = acc.event(a_end + 1, max(b_end, a_end + 6 * MINUTE), "4300")
        return a, b

    forward, _ = await open_account()
    a, b = await two_sessions(forward)
    await forward.verify(a)
    forward_b = await forward.verify(b)

    reverse, _ = await open_account()
    a, b = await two_sessions(reverse)
    with pytest.raises(ApplicationError) as waiting:
        await reverse.verify(b)  # A's fills come first, A's event has not arrived yet
    assert waiting.value.type == EARLIER_SESSION_PENDING and not waiting.value.non_retryable
    assert "waiting for the session that made them" in str(waiting.value)
    await reverse.verify(a)
    reverse_b = await reverse.verify(b)
    assert reverse_b == forward_b and reverse_b.verified_profit == Decimal("4300.00")
    assert (
        await reverse.lots() == await forward.lots() == [("BTC", Decimal("0.5"), Decimal("50400"))]
    )


async def test_a_later_session_waits_while_an_earlier_one_is_held(open_account):
    acc, _ = await open_account()
    a_end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    b_end = await acc.trade(trade("BTCUSDT", "sell", "52000", "1"))
    a = acc.event(acc.registered_ms - 10 * MINUTE, a_end, "0", positions=3)  # wrong count
    b = acc.event(a_end + 1, max(b_end, a_end + 6 * MINUTE), "2000")
    held = await acc.verify(a)
    assert held.reasons == ["positions_count_mismatch"]
    assert held.details["positions_count_mismatch"] == "reported 3, the fills show 1"
    with pytest.raises(ApplicationError, match=f"{a.event_id} \\(held for review\\)"):
        await acc.verify(b)
    assert await acc.lots() == []  # a held session's lots wait for the admin


async def test_a_usdt_session_reported_in_inr_goes_to_review(open_account):
    acc, _ = await open_account()
    end = await acc.trade(
        trade("BTCUSDT", "buy", "50000", "1"), trade("BTCUSDT", "sell", "50150", "1")
    )
    acc.fx = FixedFxRates()
    event = acc.event(acc.registered_ms - 10 * MINUTE, end, "150", currency="INR")
    result = await acc.verify(event)
    assert result.reasons == ["currency_mismatch"]
    assert result.details["currency_mismatch"] == "fills quoted in USDT, event says INR"


async def test_a_btc_profit_above_the_usd_review_limit_goes_to_review(open_account):
    acc, _ = await open_account({"BTC": "100"}, prices={"ETH/BTC": "0.05"})
    end = await acc.trade(
        trade("ETHBTC", "buy", "0.05", "40", fee_asset="BTC"),
        trade("ETHBTC", "sell", "0.08", "40", fee_asset="BTC"),
    )
    acc.fx = FixedFxRates({**DEV_RATES, ("BTC", "USD"): Decimal("100000")})
    event = acc.event(
        acc.registered_ms - 10 * MINUTE, end, "1.2", currency="BTC", symbols=["ETH/BTC"]
    )
    result = await acc.verify(event)
    # 1.2 BTC is 120,000 USD: far above 10,000 USD, though "1.2" is far below "10000".
    assert result.reasons == ["large_profit_review"]
    assert result.details["large_profit_review"].startswith("1.20000000 BTC above 0.1")


async def _close(acc: Account, symbol: str, ms: int) -> Decimal:
    """The emulator's 1m close of `symbol` for the minute of `ms`, over plain HTTP."""
    params = {"symbol": symbol, "interval": "1m", "startTime": ms - ms % MINUTE, "limit": 1}
    response = await acc.http.get("/api/v3/klines", params=params)
    response.raise_for_status()
    return Decimal(response.json()[0][4])


async def test_a_session_across_quotes_is_billed_in_the_events_currency(open_account):
    acc, snapshot = await open_account({"BTC": "1"}, prices={"BTC/USDT": "60000"})
    assert Decimal(snapshot.assets["BTC"].price) == 60000
    buy_at = await acc.trade(trade("ETHBTC", "buy", "0.05", "1", "0", "BTC"))
    end = await acc.trade(trade("ETHUSDT", "sell", "3100", "1"))
    rate = await _close(acc, "BTCUSDT", buy_at)
    # ETH bought at 0.05 BTC x rate, sold at 3100; the 0.05 BTC spent had cost 60000 each:
    # whatever the rate, the ETH cost 3000 USDT of registered BTC.
    expected = (3100 - Decimal("0.05") * rate) + Decimal("0.05") * (rate - 60000)
    assert expected == 100 and rate != 60000
    event = acc.event(
        acc.registered_ms - 10 * MINUTE,
        end,
        "100.00",
        symbols=["ETH/BTC", "ETH/USDT"],
        positions=2,
    )
    result = await acc.verify(event)
    assert result.reasons == [], result.details
    assert result.verified_profit == expected.quantize(Decimal("0.01"))
    assert await acc.lots() == [("BTC", Decimal("0.95"), Decimal("60000"))]


async def test_one_session_verified_twice_at_once_moves_the_lots_once(open_account):
    acc, _ = await open_account()
    end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    event = acc.event(acc.registered_ms - 10 * MINUTE, end, "0")
    results = await asyncio.gather(acc.verify(event), acc.verify(event), return_exceptions=True)
    done = [r for r in results if isinstance(r, VerificationSummary)]
    # Either both return the one outcome, or the loser saw the book move and retries.
    assert done and all(r == done[0] for r in done)
    for failure in (r for r in results if not isinstance(r, VerificationSummary)):
        assert isinstance(failure, ApplicationError) and not failure.non_retryable
    assert await acc.verify(event) == done[0]
    assert await acc.lots() == [("BTC", Decimal("1"), Decimal("50000"))]


async def test_a_rejected_earlier_session_leaves_its_lots_of_unknown_cost(open_account, deps):
    acc, _ = await open_account()
    a_end = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    b_end = await acc.trade(trade("BTCUSDT", "sell", "52000", "1"))
    a = acc.event(acc.registered_ms - 10 * MINUTE, a_end, "0", positions=3)
    b = acc.event(a_end + 1, max(b_end, a_end + 6 * MINUTE), "2000")
    assert (await acc.verify(a)).reasons == ["positions_count_mismatch"]
    state = await resolve_review(
        deps.sessions,
        deps.auditor,
        event_id=a.event_id,
        approve=False,
        actor="admin:test",
        at=datetime.now(UTC),
    )
    assert state == "rejected"
    assert await acc.lots() == [("BTC", Decimal("1"), None)]
    result = await acc.verify(b)  # no longer waits: the earlier session is settled
    # Nothing is realized without a cost, so the 2,000 reported is not matched either.
    assert result.reasons == ["unknown_cost_basis", "reported_profit_mismatch"]
    assert "cash_flow" not in result.methods
    assert result.details["unknown_cost_basis"] == "sold without a known cost: BTC 1.00000000"


async def test_a_session_never_verified_is_resolved_with_its_symbols_of_unknown_cost(
    open_account, deps
):
    acc, snapshot = await open_account({"USDT": "10", "BTC": "2"}, prices={"BTC/USDT": "60000"})
    async with deps.sessions.begin() as s:
        await books.enlist_session(s, acc.account_id, "evt_stuck", at_ms(0), at_ms(1))
    state = await resolve_review(
        deps.sessions,
        deps.auditor,
        event_id="evt_stuck",
        approve=True,  # nothing was verified: there is nothing to approve
        actor="admin:test",
        at=datetime.now(UTC),
        symbols=["BTC/USDT"],
    )
    assert state == "rejected" and await acc.lots() == [("BTC", Decimal("2"), None)]
