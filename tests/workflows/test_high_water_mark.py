"""High-water mark: a loss is carried forward, and the next profit is charged only above it."""

from __future__ import annotations

from decimal import Decimal

from temporalio.worker import Worker

from tests.support.scenario import eventually, profitable_session
from workers.worker import build_worker
from workflows.share import ShareWorkflow


async def _run(env, event, task_queue):
    return await env.client.start_workflow(
        ShareWorkflow.run, event, id=f"share/{event.event_id}", task_queue=task_queue)


async def test_a_loss_is_earned_back_before_a_share_is_charged(
    time_skipping_env, deps, settings, emulator_url, task_queue
):
    env = time_skipping_env
    hwm = settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue,
                                      "fee_basis": "high_water_mark"})
    worker: Worker = build_worker(env.client, deps, hwm)
    async with worker:
        loss = await profitable_session(deps, emulator_url, profit=Decimal("-200"))
        result = await (await _run(env, loss, task_queue)).result()
        assert result.status == "no_share" and result.verified_profit == Decimal("-200.00")

        small = await profitable_session(deps, emulator_url, profit=Decimal("150"),
                                         user_id=loss.user_id)
        result = await (await _run(env, small, task_queue)).result()
        assert result.status == "no_share"  # 150 of the 200 lost is earned back: nothing owed

        gain = await profitable_session(deps, emulator_url, profit=Decimal("1000"),
                                        user_id=loss.user_id)
        handle = await _run(env, gain, task_queue)

        async def opened():
            view = await handle.query(ShareWorkflow.status)
            return view if view.status == "open" else None

        view = await eventually(opened)
        # 1000 - the 50 still carried = 950 charged at 15%.
        assert view.share_amount == Decimal("142.50")
        assert view.verified_profit == Decimal("1000.00")
