"""High-water mark: a loss is carried forward, and the next profit is charged only above it."""

from __future__ import annotations

from decimal import Decimal

from temporalio.worker import Worker

from tests.support.scenario import eventually, profitable_session
from workers.worker import build_worker
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


async def _run(env, event, task_queue):
    return await env.client.start_workflow(
        ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=task_queue
    )


async def test_a_loss_is_earned_back_before_a_share_is_charged(
    time_skipping_env, deps, settings, emulator_url, task_queue
):
    env = time_skipping_env
    hwm = settings.model_copy(
        update={
            "exchange_base_url": emulator_url,
            "task_queue": task_queue,
            "fee_basis": "high_water_mark",
        }
    )
    worker: Worker = build_worker(env.client, deps, hwm)
    async with worker:
        loss = await profitable_session(deps, emulator_url, profit=Decimal("-200"))
        result = await (await _run(env, loss, task_queue)).result()
        assert result.status == "no_share" and result.verified_profit == Decimal("-200.00")

        small = await profitable_session(
            deps, emulator_url, profit=Decimal("150"), user_id=loss.user_id
        )
        result = await (await _run(env, small, task_queue)).result()
        assert result.status == "no_share"  # 150 of the 200 lost is earned back: nothing owed

        gain = await profitable_session(
            deps, emulator_url, profit=Decimal("1000"), user_id=loss.user_id
        )
        handle = await _run(env, gain, task_queue)

        async def opened():
            view = await handle.query(ShareWorkflow.status)
            return view if view.status == "open" else None

        view = await eventually(opened)
        # 1000 - the 50 still carried = 950 charged at 15%.
        assert view.share_amount == Decimal("142.50")
        assert view.verified_profit == Decimal("1000.00")


async def _status(handle, status: str):
    async def reached():
        view = await handle.query(ShareWorkflow.status)
        return view if view.status == status else None

    return await eventually(reached)


async def _carried(deps, user_id: str) -> dict:
    from db.models import User

    async with deps.sessions() as s:
        user = await s.get(User, user_id)
        return deps.cipher.decrypt_json(user.carried_losses_enc) if user.carried_losses_enc else {}


async def test_a_dispute_reprices_with_the_carried_loss_and_a_cancel_gives_it_back(
    time_skipping_env, deps, settings, emulator_url, task_queue
):
    from domain.models import DisputeOpened, DisputeResolution

    env = time_skipping_env
    hwm = settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue,
                                      "fee_basis": "high_water_mark"})  # fmt: skip
    async with build_worker(env.client, deps, hwm):
        loss = await profitable_session(deps, emulator_url, profit=Decimal("-200"))
        await (await _run(env, loss, task_queue)).result()
        assert await _carried(deps, loss.user_id) == {"USDT": "200.00"}

        gain = await profitable_session(deps, emulator_url, profit=Decimal("1000"),
                                        user_id=loss.user_id)  # fmt: skip
        handle = await _run(env, gain, task_queue)
        view = await _status(handle, "open")
        assert view.billed == Decimal("120.00")  # (1000 - 200) x 15 %
        assert await _carried(deps, loss.user_id) == {"USDT": "0.00"}

        # Adjusted to 500: the 200 this share absorbed applies again, as at day 0.
        await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="not all mine"))
        await _status(handle, "disputed")
        await handle.signal(
            ShareWorkflow.resolve_dispute,
            DisputeResolution(outcome="adjusted", verified_profit=Decimal("500")),
        )
        view = await _status(handle, "open")
        assert (view.billed, view.share_amount) == (Decimal("45.00"), Decimal("45.00"))
        assert await _carried(deps, loss.user_id) == {"USDT": "0.00"}

    second = await profitable_session(deps, emulator_url, profit=Decimal("300"),
                                      user_id=loss.user_id)  # fmt: skip
    async with build_worker(env.client, deps, hwm):
        # Cancelled: the share was not owed, so the loss it absorbed is carried again.
        other = await profitable_session(deps, emulator_url, profit=Decimal("-100"),
                                         user_id=loss.user_id)  # fmt: skip
        await (await _run(env, other, task_queue)).result()
        handle = await _run(env, second, task_queue)
        view = await _status(handle, "open")
        assert view.billed == Decimal("30.00")  # (300 - 100) x 15 %
        await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="not mine"))
        await _status(handle, "disputed")
        await handle.signal(ShareWorkflow.resolve_dispute, DisputeResolution(outcome="cancelled"))
        view = await _status(handle, "rejected")
        assert (view.waived_amount, view.amount_due) == (Decimal("30.00"), Decimal("0.00"))
        assert await _carried(deps, loss.user_id) == {"USDT": "100.00"}
