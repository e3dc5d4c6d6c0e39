"""First path: a profitable session verified on the emulator opens a share, a payment closes it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio.worker import Worker

from domain.models import PaymentSignal
from tests.support.payments import record_payment
from tests.support.scenario import eventually, profitable_session
from workers.worker import activities_for
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


async def test_profit_event_to_paid(time_skipping_env, deps, settings, emulator_url, task_queue):
    env = time_skipping_env
    cfg = settings.model_copy(update={"exchange_base_url": emulator_url})
    event = await profitable_session(deps, emulator_url)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ShareWorkflow],
        activities=activities_for(deps, cfg),
    ):
        handle = await env.client.start_workflow(
            ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=task_queue
        )

        async def opened():
            view = await handle.query(ShareWorkflow.status)
            return view if view.status == "open" else None

        view = await eventually(opened)
        assert view.share_amount == Decimal("150.00")
        payment = PaymentSignal(
            provider="standard",
            transaction_id=f"txn-smoke-{event.event_id}",
            amount=Decimal("142.50"),
            currency="USDT",
            paid_at=await env.get_current_time() + timedelta(seconds=1),
        )
        await record_payment(deps, handle.id.removeprefix("share/"), payment)
        await handle.signal(ShareWorkflow.payment, payment)
        result = await handle.result()
    assert result.status == "paid"
    assert result.amount_due == Decimal("0.00")
