"""The real verify_session activity: unmodified ccxt against the emulator, figures to the cent.

Expected figures are computed here from the seeded rows, independently of domain.pnl.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import CREDENTIALS_INVALID
from activities.exchange.lazy_ccxt import ccxt
from activities.exchange.verify import ExchangeActivities
from domain.models import ProfitEvent, VerificationSummary
from emulators.serve import running
from tests.support.scenario import profit_event, register_account, seed_emulator_account

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z; fills are fixed in time so runs repeat exactly
MINUTE, HOUR = 60_000, 3_600_000
CENT = Decimal("0.01")


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fill(symbol: str, order: int, side: str, price: str, qty: str, ms: int, **kw: Any) -> dict:
    fee = {"commission": "0", "commissionAsset": "USDT"} | kw
    return {
        "symbol": symbol,
        "orderId": order,
        "isBuyer": side == "buy",
        "price": price,
        "qty": qty,
        "time": ms,
        **fee,
    }


def _flat_profit(rows: list[dict], fee_prices: dict[str, Decimal] | None = None) -> Decimal:
    """Sell proceeds - buy costs - fees: every method's figure when the session ends flat."""
    total = Decimal(0)
    for row in rows:
        cost = Decimal(row["price"]) * Decimal(row["qty"])
        total += -cost if row["isBuyer"] else cost
        price = (fee_prices or {}).get(row["commissionAsset"], Decimal(1))
        total -= Decimal(row["commission"]) * price
    return total


def _round_trips(rows: list[dict]) -> int:
    """positions_count per CONTRACT.md: per symbol, each time the net quantity leaves zero."""
    held: dict[str, Decimal] = {}
    count = 0
    for row in sorted(rows, key=lambda r: r["time"]):
        before = held.get(row["symbol"], Decimal(0))
        qty = Decimal(row["qty"]) * (1 if row["isBuyer"] else -1)
        if row["isBuyer"] and row["commissionAsset"] == row["symbol"][:3]:
            qty -= Decimal(row["commission"])
        held[row["symbol"]] = before + qty
        count += before == 0 and held[row["symbol"]] != 0
    return count


async def _session(
    deps, url: str, rows: list[dict], *, start_ms: int, end_ms: int, **event: Any
) -> tuple[ProfitEvent, str]:
    api_key, secret = await seed_emulator_account(url, rows)
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, api_key, secret)
    inside = [r for r in rows if start_ms <= r["time"] <= end_ms]
    body = {"session_end": _at(end_ms), "positions": _round_trips(inside)} | event
    reported = body.pop("reported", Decimal("0"))
    event_ = profit_event(user_id, account_id, start=_at(start_ms), reported=reported, **body)
    return event_, api_key


async def _verify(deps, url: str, event: ProfitEvent) -> VerificationSummary:
    acts = ExchangeActivities(deps.sessions, deps.auditor, base_url=url)
    return await ActivityEnvironment().run(acts.verify_session, event)


def _assert_figures(result: VerificationSummary, **expected: Decimal) -> None:
    assert result.methods == {name: _cents(value) for name, value in expected.items()}
    assert result.verified_profit == _cents(expected["fifo"])


@pytest.fixture
async def private_emulator() -> AsyncIterator[str]:
    """An emulator of this test's own, for pinning prices without touching other tests."""
    async with running() as url:
        yield url


async def test_partial_fills_of_one_order_with_a_position_left_open(deps, private_emulator):
    url = private_emulator
    async with httpx.AsyncClient(base_url=url) as http:
        (await http.post("/_emulator/prices", json={"BTC/USDT": "61000.00"})).raise_for_status()
    fee = {"commissionAsset": "USDT"}
    rows = [  # order 1 buys 1 BTC in three parts; order 2 sells 0.7 of it in two
        _fill("BTCUSDT", 1, "buy", "60000.00", "0.5", T0 + MINUTE, commission="30.00", **fee),
        _fill("BTCUSDT", 1, "buy", "60100.00", "0.3", T0 + MINUTE + 7, commission="18.03", **fee),
        _fill("BTCUSDT", 1, "buy", "60200.00", "0.2", T0 + MINUTE + 9, commission="12.04", **fee),
        _fill("BTCUSDT", 2, "sell", "60500.00", "0.4", T0 + 20 * MINUTE, commission="24.20", **fee),
        _fill("BTCUSDT", 2, "sell", "60600.00", "0.3", T0 + 21 * MINUTE, commission="18.18", **fee),
    ]
    event, _ = await _session(
        deps, url, rows, start_ms=T0, end_ms=T0 + HOUR, reported=Decimal("257.55")
    )
    assert event.positions_count == 1  # fills and orders into one position count once
    result = await _verify(deps, url, event)
    fees = Decimal("102.45")
    _assert_figures(
        result,
        # 0.4 x (60500 - 60000) + 0.1 x (60600 - 60000) + 0.2 x (60600 - 60100)
        fifo=Decimal("360") - fees,
        # average cost 60070: 0.4 x 430 + 0.3 x 530
        average_cost=Decimal("331") - fees,
        # 42380 in, 60070 out, 0.3 BTC still held at the pinned 61000
        cash_flow=Decimal("42380") - Decimal("60070") + Decimal("18300") - fees,
    )
    assert result.fills == 5
    # The open position makes cash_flow carry unrealized P&L: a reason, not a failure.
    assert result.reasons == ["methods_disagree"] and not result.agreed
    # Billed from the unrounded FIFO figure; USDT's places as the exchange reports them
    # (quoteAssetPrecision 8: the billing override then bills USDT to the cent).
    assert result.verified_profit_exact == Decimal("360") - fees
    assert result.currency_places == 8


async def test_several_symbols_count_only_the_session(deps, emulator_url):
    start, end = T0 + 2 * HOUR, T0 + 3 * HOUR
    inside = [
        _fill("BTCUSDT", 2, "buy", "60000.00", "0.25", start + MINUTE, commission="15.00"),
        _fill("ETHUSDT", 2, "buy", "3000.00", "2", start + 2 * MINUTE, commission="6.00"),
        _fill("ETHUSDT", 3, "sell", "3012.34", "2", start + 30 * MINUTE, commission="6.02"),
        _fill("BTCUSDT", 3, "sell", "60421.37", "0.25", end, commission="15.11"),
    ]
    outside = [  # before the start and after the end: not this session's
        _fill("BTCUSDT", 1, "buy", "59000.00", "1", start - 1),
        _fill("ETHUSDT", 4, "sell", "3900.00", "1", end + 1),
    ]
    # Binance numbers trades and orders per symbol: both symbols have trades 2, 3 and
    # orders 2, 3 here, and they are four different fills of four different positions.
    expected = _flat_profit(inside)
    assert expected == Decimal("87.8925")
    event, _ = await _session(
        deps,
        emulator_url,
        outside + inside,
        start_ms=start,
        end_ms=end,
        symbols=["BTC/USDT", "ETH/USDT"],
        positions=2,
        reported=Decimal("87.89"),
    )
    result = await _verify(deps, emulator_url, event)
    _assert_figures(result, fifo=expected, average_cost=expected, cash_flow=expected)
    assert result.fills == 4 and result.agreed and result.reasons == []


async def _bnb_close(url: str, ms: int) -> Decimal:
    """The emulator's BNB/USDT 1m close for the minute of `ms`, read over plain HTTP."""
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.get(
            "/api/v3/klines",
            params={"symbol": "BNBUSDT", "interval": "1m", "startTime": ms - ms % MINUTE},
        )
    response.raise_for_status()
    return Decimal(response.json()[0][4])


async def test_bnb_commission_is_valued_at_the_fill_minute(deps, emulator_url):
    start = T0 + 4 * HOUR
    bnb = {"commissionAsset": "BNB"}
    buy_at, sell_at = start + 17 * MINUTE + 4_321, start + 38 * MINUTE + 59_999
    rows = [
        _fill("ETHUSDT", 31, "buy", "3000.00", "1.5", buy_at, commission="0.00375", **bnb),
        _fill("ETHUSDT", 32, "sell", "3040.00", "0.5", sell_at, commission="0.00126", **bnb),
        _fill("ETHUSDT", 32, "sell", "3041.00", "1.0", sell_at, commission="0.00253", **bnb),
    ]
    at_buy = await _bnb_close(emulator_url, buy_at)
    at_sell = await _bnb_close(emulator_url, sell_at)
    assert at_buy != at_sell and 590 < at_buy < 610  # the wave moved between the minutes
    fees = Decimal("0.00375") * at_buy + Decimal("0.00379") * at_sell
    expected = Decimal("61.00") - fees
    event, _ = await _session(
        deps,
        emulator_url,
        rows,
        start_ms=start,
        end_ms=start + HOUR,
        symbols=["ETH/USDT"],
        reported=_cents(expected),
    )
    result = await _verify(deps, emulator_url, event)
    _assert_figures(result, fifo=expected, average_cost=expected, cash_flow=expected)
    assert result.agreed and result.fills == 3


def _burst_fills(count: int, start_ms: int) -> list[dict]:
    """Fills every 20 s in bursts of 1, 2, 3 sharing one millisecond; half buys, then sells."""
    rows: list[dict] = []
    burst = 0
    while len(rows) < count:
        for _ in range(min(burst % 3 + 1, count - len(rows))):
            buy = len(rows) < count // 2
            price = Decimal(60000 if buy else 60100) + burst % 10 + Decimal(len(rows) % 7) / 100
            order = 2 * burst + (0 if buy else 1)  # a burst straddling the turn is two orders
            ms = start_ms + burst * 20_000
            rows.append(
                _fill("BTCUSDT", order, "buy" if buy else "sell", str(price), "0.001", ms)
                | {"commission": "0.0123"}
            )
        burst += 1
    return rows


async def test_2500_fills_with_shared_milliseconds_are_all_counted(deps, emulator_url):
    start = T0 + 6 * HOUR
    rows = _burst_fills(2500, start)
    assert max(sum(r["time"] == ms for r in rows) for ms in {r["time"] for r in rows}) == 3
    expected = _flat_profit(rows)
    event, _ = await _session(
        deps,
        emulator_url,
        rows,
        start_ms=start,
        end_ms=start + 8 * HOUR,
        reported=_cents(expected),
    )
    result = await _verify(deps, emulator_url, event)
    assert result.fills == 2500
    _assert_figures(result, fifo=expected, average_cost=expected, cash_flow=expected)
    assert result.agreed


async def test_revoked_key_is_a_non_retryable_credentials_error(deps, emulator_url):
    rows = [_fill("BTCUSDT", 1, "buy", "60000.00", "1", T0 + MINUTE)]
    event, api_key = await _session(deps, emulator_url, rows, start_ms=T0, end_ms=T0 + HOUR)
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        assert (await http.delete(f"/_emulator/accounts/{api_key}")).status_code == 204
    with pytest.raises(ApplicationError) as raised:
        await _verify(deps, emulator_url, event)
    assert raised.value.type == CREDENTIALS_INVALID and raised.value.non_retryable
    assert api_key not in str(raised.value)  # credentials never reach a failure message


async def test_rate_limited_exchange_raises_a_retryable_error(deps):
    async with running(rate_limit_per_minute=2) as url:
        rows = [
            _fill("BTCUSDT", 1, "buy", "60000.00", "1", T0 + MINUTE),
            _fill("ETHUSDT", 2, "buy", "3000.00", "1", T0 + MINUTE),
        ]
        event, _ = await _session(
            deps, url, rows, start_ms=T0, end_ms=T0 + HOUR, symbols=["BTC/USDT", "ETH/USDT"]
        )
        with pytest.raises(ccxt.DDoSProtection, match="-1003") as raised:
            await _verify(deps, url, event)
    # A network-class error, not ApplicationError: Temporal retries it with backoff.
    assert isinstance(raised.value, ccxt.NetworkError)
    assert not isinstance(raised.value, ApplicationError)
