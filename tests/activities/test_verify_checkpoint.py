"""VERIFY_SESSION heartbeats a checkpoint (symbols fetched, their fills) and a retry resumes
from it: a heavy session behind a slow exchange finishes instead of restarting forever; an
exchange's permanent refusal is not retried (issue 15, deliverable 6)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic_core import to_jsonable_python
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import EXCHANGE_REFUSED
from activities.exchange.lazy_ccxt import ccxt
from activities.exchange.verify import Checkpoint, ExchangeActivities
from domain.models import VerificationSummary
from tests.support.exchange import SYMBOLS, SlowExchange
from tests.support.scenario import profit_event, register_account


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
    acts = ExchangeActivities(deps.sessions, deps.auditor, base_url=None, client_factory=exchange)
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
    acts = ExchangeActivities(deps.sessions, deps.auditor, base_url=None, client_factory=exchange)
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(acts.verify_session, event)
    assert raised.value.type == EXCHANGE_REFUSED and raised.value.non_retryable
