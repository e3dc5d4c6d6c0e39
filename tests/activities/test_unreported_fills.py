"""Fills no reported session made never vanish: a sale during a session in a market its
report left out, a sale in a market nobody watches, a closing sell a moment after the session
ended. Each would realize a profit no share bills; each sends a session to review instead
(`unreported_fills`, `balance_mismatch`). Unmodified ccxt against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from temporalio.exceptions import ApplicationError

from activities.exchange.inventory import EARLIER_SESSION_PENDING
from activities.exchange.verify import GAP_WAIT
from db import inventory as books
from tests.support.exchange_account import MINUTE, trade


async def _waits_for_a_claim(acc, event) -> None:
    """Fills no session of this one's made: it waits (GAP_WAIT) for a session to claim them."""
    with pytest.raises(ApplicationError) as waited:
        await acc.verify(event)
    assert waited.value.type == EARLIER_SESSION_PENDING


async def _past_the_gap_wait(acc, event_id: str) -> None:
    """The session was enlisted GAP_WAIT ago: no other session is coming to claim the fills."""
    async with acc.deps.sessions.begin() as s:
        row = await books.session_row(s, event_id)
        row.created_at -= GAP_WAIT


async def test_a_sale_during_the_session_in_a_market_it_did_not_list_goes_to_review(
    open_account,
):
    """BTC held at registration (60,000) is sold at 70,000 during the session, whose event
    lists only an ETH round trip: the 10,000 profit was nobody's, verified 0, no share."""
    acc, _ = await open_account({"USDT": "100000", "BTC": "1"}, prices={"BTC/USDT": "60000"})
    start = await acc.now()
    await acc.trade(
        trade("BTCUSDT", "sell", "70000", "1"),
        trade("ETHUSDT", "buy", "3000", "1"),
        trade("ETHUSDT", "sell", "3000", "1"),
    )
    event = acc.event(start, start + 6 * MINUTE, "0", symbols=["ETH/USDT"])
    await _waits_for_a_claim(acc, event)
    await _past_the_gap_wait(acc, event.event_id)
    result = await acc.verify(event)
    assert "unreported_fills" in result.reasons, result


async def test_a_sale_in_a_market_nobody_watches_is_a_balance_mismatch(open_account):
    """10 ETH held at registration are sold on ETH/BTC, a market neither the event nor the
    lots' X/USDT markets name: ETH and BTC, both carried, must still add up."""
    acc, _ = await open_account(
        {"USDT": "100000", "ETH": "10", "BTC": "1"},
        prices={"ETH/USDT": "3000", "BTC/USDT": "60000", "ETH/BTC": "0.05"},
    )
    start = await acc.now()
    await acc.trade(
        trade("ETHBTC", "sell", "0.06", "10", fee_asset="BTC"),
        trade("SOLUSDT", "buy", "150", "1"),
        trade("SOLUSDT", "sell", "150", "1"),
    )
    result = await acc.verify(acc.event(start, start + 6 * MINUTE, "0", symbols=["SOL/USDT"]))
    assert "balance_mismatch" in result.reasons, result
    assert "ETH: expected +0, actual -10" in result.details["balance_mismatch"]


async def test_a_closing_sell_after_the_session_ended_goes_to_review_with_the_next(
    open_account,
):
    """The session buys; the sell lands after its end (clock skew, or before the verification
    read), is read with it and reported by no session. The next session of the account looks
    back to the end of this one, so the sell is its unreported fill, not nobody's."""
    acc, _ = await open_account()
    start = acc.registered_ms - 10 * MINUTE
    buy_at = await acc.trade(trade("BTCUSDT", "buy", "50000", "1"))
    await acc.trade(trade("BTCUSDT", "sell", "52000", "1"))
    first = await acc.verify(acc.event(start, buy_at + 1, "0"))
    assert first.reasons == [] and first.verified_profit == Decimal("0.00")

    next_start = await acc.now() + 1
    await acc.trade(
        trade("BTCUSDT", "buy", "50000", "0.1"), trade("BTCUSDT", "sell", "50000", "0.1")
    )
    second = acc.event(next_start, next_start + 6 * MINUTE, "0")
    await _waits_for_a_claim(acc, second)
    await _past_the_gap_wait(acc, second.event_id)
    result = await acc.verify(second)
    assert result.reasons == ["unreported_fills"], result
    assert result.details["unreported_fills"] == "1 fills outside any reported session"
