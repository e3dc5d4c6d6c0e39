"""Binance answers a time query for at most one window (myTrades 24 h, deposit and withdrawal
history 90 days): a session or an idle stretch longer than that is read window by window.

Unmodified ccxt against the emulator through the real verify_session activity, with the
exchange-account fixtures of tests/activities/conftest.py (review rev-inv, F4 and F5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import update

from activities.exchange.windows import windows
from db.models import InventoryBook
from tests.support.exchange_account import HOUR, MINUTE, trade

DAY = 24 * HOUR


async def _registered_at(deps, account_id: str, ms: int) -> None:
    """The account as if registered (and last snapshotted) at `ms`, with the same balances:
    nothing was traded or transferred before."""
    async with deps.sessions.begin() as s:
        at = datetime.fromtimestamp(ms / 1000, UTC)
        await s.execute(
            update(InventoryBook)
            .where(InventoryBook.account_id == account_id)
            .values(registered_at=at, snapshot_at=at)
        )


async def test_a_session_longer_than_24_hours_is_read_to_its_end(open_account, deps):
    """myTrades with only startTime answers [startTime, startTime + 24 h]: a 28 h session
    that buys in its first hour and sells in its 27th must still bill the sell's 2,000."""
    acc, _ = await open_account()
    registered = await acc.now() - 30 * HOUR
    await _registered_at(deps, acc.account_id, registered)
    start = registered + HOUR
    buy = trade("BTCUSDT", "buy", "50000", "1") | {"time": start + MINUTE}
    sell = trade("BTCUSDT", "sell", "52000", "1") | {"time": start + 26 * HOUR}
    await acc.control("trades", {"trades": [buy]})
    await acc.control("trades", {"trades": [sell]})
    result = await acc.verify(acc.event(start, start + 28 * HOUR, "0"))
    assert result.fills == 2 and result.verified_profit == Decimal("2000.00"), result


async def test_a_deposit_after_more_than_90_idle_days_explains_the_balance(open_account, deps):
    """Deposit history answers at most 90 days a request: an account last snapshotted 100
    days ago deposits 1,000 USDT and makes an honest 2,000; the deposit must be read, or the
    USDT change looks unexplained and the share goes to review as balance_mismatch."""
    acc, _ = await open_account()
    await _registered_at(deps, acc.account_id, await acc.now() - 100 * DAY)
    await acc.control("deposits", {"coin": "USDT", "amount": "1000"})
    start = await acc.now() + 1
    await acc.trade(trade("BTCUSDT", "buy", "50000", "1"), trade("BTCUSDT", "sell", "52000", "1"))
    result = await acc.verify(acc.event(start, start + 6 * MINUTE, "2000"))
    assert result.reasons == [], result.details


def test_windows_tile_a_span_without_gap_or_overlap():
    assert list(windows(0, 10, 5)) == [(0, 4), (5, 9), (10, 10)]
    assert list(windows(0, 9, 5)) == [(0, 4), (5, 9)]
    assert list(windows(5, 4, 5)) == []  # an empty span asks nothing
