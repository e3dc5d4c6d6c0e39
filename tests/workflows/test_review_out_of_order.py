"""Adversarial review (rev-wf): what a share does with messages that arrive out of order, or in
a window where the workflow still runs but no longer acts on them.

These tests state the behaviour DESIGN.md asks for; they FAIL on main (see
/tmp/review/workflow.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.ladder import Level
from domain.models import PaymentSignal, Waiver
from tests.support.backend import BACKEND_SECRET as SECRET
from tests.support.driver import ShareDriver
from tests.support.payments import record_payment
from tests.support.scenario import eventually
from workers.worker import build_worker
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def _payment(txn: str, amount: str, paid_at) -> PaymentSignal:
    return PaymentSignal(
        provider="standard",
        transaction_id=txn,
        amount=Decimal(amount),
        currency="USDT",
        paid_at=paid_at,
    )


async def _send(driver: ShareDriver, handle, payment: PaymentSignal) -> None:
    await record_payment(driver.deps, handle.id.removeprefix("share/"), payment)
    await handle.signal(ShareWorkflow.payment, payment)


async def _paid(handle, amount: Decimal):
    view = await handle.query(ShareWorkflow.status)
    return view if view.amount_paid == amount else None


async def test_two_partial_payments_settle_the_same_whatever_order_their_webhooks_arrive(driver):
    """150.00 billed, 142.50 inside the 3-day window. The user pays 50.00 on day 2 and 100.00
    on day 15 (after the suspension): the share is complete only on day 15, late, with no
    discount. Delivered in that order it stays open (7.50 due). Delivered the other way round
    (the day-2 webhook late, on day 16), the share must end the same."""
    event, handle, view = await driver.open_share()
    day0 = view.created_at
    await driver.advance_to(day0 + 15 * DAY + HOUR)
    await driver.wait_level(event.event_id, Level.SUSPENDED)

    await _send(driver, handle, _payment("txn-day-15", "100.00", day0 + 15 * DAY + HOUR))
    await eventually(lambda: _paid(handle, Decimal("100.00")))
    await driver.advance_to(day0 + 16 * DAY)
    # The day-2 payment's webhook, a fortnight late.
    await _send(driver, handle, _payment("txn-day-2", "50.00", day0 + 2 * DAY))
    after = await eventually(lambda: _paid(handle, Decimal("150.00")))

    # In order (day 2, then day 15) the share is open with 7.50 due and keeps its stages.
    seen = (
        after.status,
        after.discount_granted,
        after.credit,
        await driver.standing(event.user_id),
        [a for a in await driver.audit_actions(event.event_id) if "undone" in a or "paid" in a],
    )
    assert after.status == "open", seen
    assert after.amount_due == Decimal("7.50")
    assert after.credit == Decimal("0.00")
    standing = await driver.standing(event.user_id)
    assert standing["level"] == Level.SUSPENDED  # not undone: it was not paid by day 14


async def test_a_write_off_sent_while_a_share_in_collections_settles_is_not_refused(
    time_skipping_env, deps, wf_settings, emulator_url, task_queue, backend  # noqa: F811
):
    """Day 60: the share is handed to collections and its workflow finishes its effects before
    completing (here the backend is down, so the standing delivery keeps it running). An
    admin's write-off in that window is accepted by the API (the workflow still runs, the
    signal is taken: 202) and must close the share, as it does once the workflow completed
    (CollectionsClose)."""
    receiver, url = backend
    settings = wf_settings.model_copy(
        update={"backend_webhook_url": url, "backend_webhook_secret": SECRET}
    )
    async with build_worker(time_skipping_env.client, deps, settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + 59 * DAY + 23 * HOUR)
        await driver.wait_level(event.event_id, Level.LOCKED)
        receiver.fail_next = 10_000  # the backend is down from here
        await driver.advance_to(view.created_at + 60 * DAY + HOUR)
        await driver.wait_level(event.event_id, Level.COLLECTIONS)
        shares = ShareClient(time_skipping_env.client, task_queue)
        # What POST /v1/admin/shares/{id}/waive does after its checks (the share is open).
        await shares.waive(
            event.event_id, Waiver(kind="write_off", note="uncollectable"), user_id=event.user_id
        )
        await driver.advance_to(view.created_at + 60 * DAY + 2 * HOUR)
        assert (await driver.share_row(event.event_id)).status == "open"  # still running
        # Main: the workflow refused it, an answer nobody reads (the API said 202).
        refused = await handle.query(ShareWorkflow.answer, "WaiverIn")  # type(message).__name__
        receiver.fail_next = 0  # the backend is back: the workflow completes
        final = await handle.result()
        row = await driver.share_row(event.event_id)
    assert row.status == "waived", (final.status, row.status, refused)
    closing = row
    assert (closing.status, closing.closed_reason) == ("waived", "write_off")


async def _closed(driver: ShareDriver, event_id: str):
    row = await driver.share_row(event_id)
    return row if row.status != "open" else None
