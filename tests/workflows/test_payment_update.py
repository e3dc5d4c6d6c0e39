"""A payment and its answer in one round trip (issue 20, the payment path): a ShareWorkflowV3
takes it as its `pay` update and answers on the same call; the same payment again is the same
update; a share of the older type, which has no `pay`, gets the `payment` signal and is asked
for its answer as before."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowFailureError
from temporalio.service import RPCError

from db.models import Payment
from domain.models import PaymentSignal
from tests.support.backend import BACKEND_SECRET
from tests.support.driver import ShareDriver
from tests.support.history import signals_sent, updates_accepted
from tests.support.payments import record_payment
from tests.support.scenario import profitable_session
from workers.worker import build_worker
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient
from workflows.share_v3 import ShareWorkflowV3

WAIT = timedelta(seconds=10)


async def _payment(env, amount: str, txn: str) -> PaymentSignal:
    return PaymentSignal(
        provider="standard",
        transaction_id=txn,
        amount=Decimal(amount),
        currency="USDT",
        paid_at=await env.get_current_time(),
    )


async def test_a_v3_share_answers_a_payment_on_the_update_that_brings_it(
    time_skipping_env, deps, emulator_url, task_queue, wf_settings
):
    shares = ShareClient(time_skipping_env.client, task_queue)
    async with build_worker(time_skipping_env.client, deps, wf_settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, _ = await driver.open_share()
        payment = await _payment(time_skipping_env, "150.00", "txn-update")
        await record_payment(deps, event.event_id, payment)  # as the webhook route does

        sent = await shares.pay(event.event_id, payment)
        assert sent.answer == "applied"
        assert await shares.answer_for(event.event_id, sent, wait=WAIT) == "applied"
        again = await shares.pay(event.event_id, payment)  # the gateway's redelivery
        assert await shares.answer_for(event.event_id, again, wait=WAIT) == "applied"

        await driver.wait_status(handle, "paid")
        assert await updates_accepted(time_skipping_env.client, handle.id, "pay") == 1
        assert await signals_sent(time_skipping_env.client, handle.id, "payment") == 0
        final = await handle.result()
    assert [p.transaction_id for p in final.payments] == ["txn-update"]


async def test_an_older_share_gets_the_signal_and_answers_the_query(
    time_skipping_env, deps, emulator_url, task_queue, wf_settings
):
    shares = ShareClient(time_skipping_env.client, task_queue)
    async with build_worker(time_skipping_env.client, deps, wf_settings):
        driver = ShareDriver(
            time_skipping_env, deps, emulator_url, task_queue, workflow=ShareWorkflow
        )
        event, handle, _ = await driver.open_share()
        payment = await _payment(time_skipping_env, "150.00", "txn-signal")
        await record_payment(deps, event.event_id, payment)

        sent = await shares.pay(event.event_id, payment)
        assert sent.answer is None
        assert await shares.answer_for(event.event_id, sent, wait=WAIT) == "applied"
        await driver.wait_status(handle, "paid")
        assert await signals_sent(time_skipping_env.client, handle.id, "payment") == 1
        assert (await handle.describe()).workflow_type == "ShareWorkflow"


def test_the_update_is_v3s_own():
    """ShareWorkflow (shares in flight) keeps exactly the handlers it was deployed with."""
    assert hasattr(ShareWorkflowV3, "pay") and not hasattr(ShareWorkflow, "pay")


async def test_a_payment_waiting_when_ops_cancel_the_share_is_answered_not_lost(
    time_skipping_env, deps, emulator_url, task_queue, wf_settings
):
    """Under review a share holds payments until it is recorded; cancelled meanwhile, it
    answers them before it completes: a share never billed cannot hold credit, so the one
    credit rule (db/credit.py) refuses the money and alerts ops to return it. The row is never
    left `received` with nobody to act on it."""
    async with build_worker(time_skipping_env.client, deps, wf_settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event = await profitable_session(
            deps, emulator_url, profit=Decimal("400"), reported=Decimal("1000")
        )
        handle = await time_skipping_env.client.start_workflow(
            ShareWorkflowV3.run, event, id=f"share/{event.event_id}", task_queue=task_queue
        )
        await driver.wait_status(handle, "under_review")
        payment = await _payment(time_skipping_env, "60.00", "txn-before-cancel")
        await record_payment(deps, event.event_id, payment)
        await handle.signal(ShareWorkflow.payment, payment)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    async with deps.sessions() as s:
        row = await s.scalar(select(Payment).where(Payment.transaction_id == "txn-before-cancel"))
    assert row is not None and (row.status, row.note) == ("refused", "the share was never billed")


async def test_a_payment_while_a_share_in_collections_settles_pays_its_debt(
    time_skipping_env, deps, emulator_url, task_queue, wf_settings, backend
):
    """Handed to collections at day 60 the workflow completes, but first it settles its
    notices; with the backend down that takes a while. A payment arriving then goes to the
    debt (as the payment reconciler would apply it), not to credit beside an unchanged debt."""
    receiver, url = backend
    settings = wf_settings.model_copy(
        update={"backend_webhook_url": url, "backend_webhook_secret": BACKEND_SECRET}
    )
    shares = ShareClient(time_skipping_env.client, task_queue)
    async with build_worker(time_skipping_env.client, deps, settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + timedelta(days=59))
        receiver.fail_next = 10_000  # from day 60 the backend is down: settling waits
        # The test server holds its clock while the failing delivery is retried: the sleep's
        # RPC may give up meanwhile; day 60 is reached either way.
        sleeping = asyncio.create_task(time_skipping_env.sleep(timedelta(days=2)))
        await driver.wait_level(event.event_id, 5)
        payment = await _payment(time_skipping_env, "150.00", "txn-in-collections")
        await record_payment(deps, event.event_id, payment)
        sent = await shares.pay(event.event_id, payment)
        assert await shares.answer_for(event.event_id, sent, wait=WAIT) == "applied"
        row = await driver.share_row(event.event_id)
        assert row.status == "paid"
        receiver.fail_next = 0
        with contextlib.suppress(RPCError):
            await sleeping
        await handle.result()


async def test_a_payment_answered_late_is_signalled_and_not_asked_again(
    time_skipping_env, deps, emulator_url, task_queue, wf_settings
):
    """No worker answers in time (here: none at all): the payment goes as the signal too,
    and the route does not keep asking a workflow that is already behind."""
    shares = ShareClient(time_skipping_env.client, task_queue)
    driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
    # No sticky cache: the test server never hands a stopped worker's sticky tasks on (a real
    # server does, when the worker says it stops), and the share's next task must wait for
    # the second worker, not for a queue nobody polls.
    opener = wf_settings.model_copy(update={"worker_max_cached_workflows": 0})
    async with build_worker(time_skipping_env.client, deps, opener):
        event, handle, _ = await driver.open_share()
    payment = await _payment(time_skipping_env, "150.00", "txn-late")
    await record_payment(deps, event.event_id, payment)

    sent = await shares.pay(event.event_id, payment)
    assert (sent.answer, sent.late) == (None, True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await shares.answer_for(event.event_id, sent, wait=timedelta(seconds=5)) is None
    assert loop.time() - started < 2  # not the 5 s of asking: no question was asked

    async with build_worker(time_skipping_env.client, deps, wf_settings):
        final = await handle.result()  # paid, so it completes
    assert final.status == "paid"
    assert [p.transaction_id for p in final.payments] == ["txn-late"]  # once, not twice
