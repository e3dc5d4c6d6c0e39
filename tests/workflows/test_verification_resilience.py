"""Verification on the time-skipping server with real activities: a session of 50 symbols
behind a 100 ms exchange completes, resuming from its heartbeat checkpoint after a failure;
an exchange's permanent refusal sends the share to review (issue 15, deliverable 6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from temporalio.worker import Worker

from activities.exchange.verify import ExchangeActivities
from tests.support.exchange import SYMBOLS, SlowExchange
from tests.support.scenario import eventually, profit_event, register_account, store_event
from workers.worker import activities_for
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient
from workflows.share_types import SHARE_WORKFLOWS


async def _run(env, deps, wf_settings, task_queue, exchange: SlowExchange | None, **event):
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, "key", "secret")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    profit = profit_event(
        user_id, account_id, start=start, reported=Decimal("0"), positions=0, **event
    )
    await store_event(deps, profit)
    exchange = exchange or SlowExchange(int(start.timestamp() * 1000))
    exchange.start_ms = int(start.timestamp() * 1000)
    acts = ExchangeActivities(deps.sessions, deps.auditor, base_url=None, client_factory=exchange)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=list(SHARE_WORKFLOWS),
        activities=activities_for(deps, wf_settings, exchange=acts),
    ):
        shares = ShareClient(env.client, task_queue)
        await shares.start(profit)
        handle = shares.handle(profit.event_id)

        async def past_verifying():
            view = await handle.query(ShareWorkflow.status)
            return view if view.status not in ("received", "screening", "verifying") else None

        return await eventually(past_verifying, timeout=60)


async def test_fifty_symbols_behind_a_slow_exchange_complete_after_a_failure(
    time_skipping_env, deps, wf_settings, task_queue
):
    exchange = SlowExchange(0, fail_after=30)
    view = await _run(time_skipping_env, deps, wf_settings, task_queue, exchange, symbols=SYMBOLS)
    assert view.verification is not None  # verified (the made-up fills go to review)
    assert set(exchange.fetched) == set(SYMBOLS)
    # The retry resumed from a checkpoint instead of starting over (how far depends on
    # which heartbeat the server kept).
    assert len(exchange.fetched) < 2 * len(SYMBOLS)


async def test_a_symbol_the_exchange_refuses_sends_the_share_to_review(
    time_skipping_env, deps, wf_settings, task_queue
):
    exchange = SlowExchange(0, refuse=True)
    view = await _run(
        time_skipping_env, deps, wf_settings, task_queue, exchange, symbols=["C01/USDT"]
    )
    assert view.status == "under_review"
    assert any(reason.startswith("exchange refused") for reason in view.review_reasons)
