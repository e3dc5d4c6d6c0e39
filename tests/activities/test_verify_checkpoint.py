"""VERIFY_SESSION heartbeats a checkpoint (symbols fetched, their fills) and a retry resumes
from it: a heavy session behind a slow exchange finishes instead of restarting forever; an
exchange's permanent refusal is not retried (issue 15, deliverable 6)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ccxt.async_support as ccxt
import pytest
from pydantic_core import to_jsonable_python
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import EXCHANGE_REFUSED
from activities.exchange.verify import Checkpoint, ExchangeActivities
from domain.models import VerificationSummary
from tests.support.scenario import profit_event, register_account

SYMBOLS = [f"C{i:02d}/USDT" for i in range(50)]
LATENCY = 0.1  # seconds per request, as the slow exchange


class SlowExchange:
    """A ccxt client stand-in: 100 ms a request, one fill per symbol, and (once) a network
    error after `fail_after` symbols."""

    def __init__(self, start_ms: int, fail_after: int | None = None, refuse: bool = False):
        self.start_ms, self.fail_after, self.refuse = start_ms, fail_after, refuse
        self.fetched: list[str] = []

    def __call__(self, **_: object) -> SlowExchange:
        return self

    async def load_markets(self) -> None:
        await asyncio.sleep(LATENCY)

    async def fetch_my_trades(self, symbol, since=None, limit=None, params=None):
        await asyncio.sleep(LATENCY)
        if self.refuse:
            raise ccxt.BadSymbol(f"binance does not have market symbol {symbol}")
        if self.fail_after is not None and len(self.fetched) == self.fail_after:
            self.fail_after = None
            raise ccxt.NetworkError("connection reset")
        self.fetched.append(symbol)
        time = self.start_ms + 60_000
        return [
            {
                "symbol": symbol,
                "id": "1",
                "order": "1",
                "info": {
                    "isBuyer": True,
                    "price": "1.00",
                    "qty": "1",
                    "time": time,
                    "commission": "0",
                    "commissionAsset": "USDT",
                },
            }
        ]

    async def fetch_ohlcv(self, *args, **kwargs):
        await asyncio.sleep(LATENCY)
        return []

    async def fetch_last_prices(self, symbols):
        await asyncio.sleep(LATENCY)
        return {s: {"info": {"price": "1.00"}, "price": 1.0} for s in symbols}

    async def close(self) -> None:
        pass


@pytest.fixture
async def event(deps):
    user_id = "u_ckpt_" + datetime.now(UTC).strftime("%H%M%S%f")
    account_id = await register_account(deps, user_id, "key", "secret")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return profit_event(
        user_id, account_id, start=start, reported=Decimal("0"), symbols=SYMBOLS, positions=0
    )


async def test_fifty_symbols_behind_a_slow_exchange_resume_from_the_checkpoint(deps, event):
    exchange = SlowExchange(int(event.session_start.timestamp() * 1000), fail_after=30)
    acts = ExchangeActivities(deps.sessions, deps.cipher, base_url=None, client_factory=exchange)
    env = ActivityEnvironment()
    beats: list[object] = []
    env.on_heartbeat = lambda *details: beats.extend(details)
    with pytest.raises(ccxt.NetworkError):
        await env.run(acts.verify_session, event)
    checkpoint = [b for b in beats if isinstance(b, Checkpoint)][-1]
    assert checkpoint.symbols_done == 30 and len(checkpoint.fills) == 30

    # The retry gets the checkpoint back as Temporal hands it over: decoded JSON, no type.
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(
        env.info,
        attempt=2,
        heartbeat_details=[json.loads(json.dumps(to_jsonable_python(checkpoint)))],
    )
    result = await retry.run(acts.verify_session, event)
    assert isinstance(result, VerificationSummary)
    assert exchange.fetched == SYMBOLS  # each symbol fetched once across both attempts
    assert result.fills == 50


async def test_a_symbol_the_exchange_does_not_have_is_not_retried(deps, event):
    exchange = SlowExchange(int(event.session_start.timestamp() * 1000), refuse=True)
    acts = ExchangeActivities(deps.sessions, deps.cipher, base_url=None, client_factory=exchange)
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(acts.verify_session, event)
    assert raised.value.type == EXCHANGE_REFUSED and raised.value.non_retryable
