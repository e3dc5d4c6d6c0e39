"""Every message a share accepts is acted on or answered; stage effects survive lost results;
a late webhook is judged by when the user paid (issue 15, deliverables 1-5 and 9)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select
from temporalio import activity
from temporalio.worker import Worker

from activities import contracts as c
from db.models import AuditEntry, Notification, Payment
from domain.ladder import Level, ladder
from domain.models import DisputeOpened, PaymentSignal
from stack.postgres import libpq_url
from tests.support.backend import BACKEND_SECRET as SECRET
from tests.support.driver import ShareDriver
from tests.support.locks import waiting_on_a_lock
from tests.support.payments import record_payment
from tests.support.scenario import eventually, profitable_session
from workers.worker import activities_for, build_worker
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient
from workflows.share_types import SHARE_WORKFLOWS
from workflows.share_v3 import ShareWorkflowV3
from workflows.standing import StandingDeliveryWorkflow

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
WARNING = next(stage for stage in ladder() if stage.level == Level.WARNING)


def _with(acts: list, name: str, replace: Callable[[Callable[..., Any]], Callable[..., Any]]):
    """The worker's activities with the one named `name` wrapped by `replace`."""
    return [replace(fn) if fn.__name__ == name else fn for fn in acts]


@pytest.fixture
def make_worker(time_skipping_env, deps, wf_settings):
    def make(acts: list, settings=None) -> Worker:
        return Worker(
            time_skipping_env.client,
            task_queue=(settings or wf_settings).task_queue,
            workflows=[*SHARE_WORKFLOWS, StandingDeliveryWorkflow],
            activities=acts,
        )

    return make


@pytest.fixture
def shares(time_skipping_env, task_queue) -> ShareClient:
    return ShareClient(time_skipping_env.client, task_queue)


async def _payment_rows(deps, event_id: str) -> list[Payment]:
    async with deps.sessions() as s:
        return list(await s.scalars(select(Payment).where(Payment.event_id == event_id)))


async def _audit(deps, subject: str) -> list[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_a_payment_while_the_share_settles_with_the_backend_down_is_credited(
    time_skipping_env,
    deps,
    wf_settings,
    emulator_url,
    task_queue,
    shares,
    backend,  # noqa: F811
):
    receiver, url = backend
    receiver.fail_next = 10_000  # the backend is down: the paid share cannot finish settling
    settings = wf_settings.model_copy(
        update={"backend_webhook_url": url, "backend_webhook_secret": SECRET}
    )
    async with build_worker(time_skipping_env.client, deps, settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.pay(handle, "150.00", "txn-settles")
        # Sent at once: it reaches the share after the first closed it, while the share
        # settles (the backend is down), whichever the server delivers it with.
        second = PaymentSignal(
            provider="standard",
            transaction_id="txn-while-settling",
            amount=Decimal("20.00"),
            currency="USDT",
            paid_at=await time_skipping_env.get_current_time(),
        )
        await record_payment(deps, event.event_id, second)  # as the webhook route does
        sent = await shares.pay(event.event_id, second)
        await driver.wait_status(handle, "paid")
        assert await shares.answer_for(event.event_id, sent, wait=timedelta(seconds=10)) == (
            "credited"
        )
        rows = {p.transaction_id for p in await _payment_rows(deps, event.event_id)}
        assert rows == {"txn-settles", "txn-while-settling"}
        receiver.fail_next = 0  # the backend is back: the workflow completes
        final = await handle.result()
    # 150.00 paid inside the discount window settled 142.50 (7.50 over), and 20.00 credited.
    assert final.status == "paid" and final.credit == Decimal("27.50")
    assert [p.transaction_id for p in final.payments] == ["txn-settles", "txn-while-settling"]


async def test_a_dispute_sent_right_after_the_share_was_recorded_is_kept(
    deps, wf_settings, emulator_url, task_queue, time_skipping_env, make_worker, shares
):
    """The window the review found: RECORD_SHARE committed, the workflow not yet told (a
    worker restart), the API already sees an open share and sends the dispute."""
    acts = activities_for(deps, wf_settings)

    def dispute_in_the_window(record: Callable[..., Any]) -> Callable[..., Any]:
        @activity.defn(name=c.RECORD_SHARE)
        async def record_share(cmd: c.RecordShareInput):
            recorded = await record(cmd)
            await shares.dispute(cmd.event.event_id, DisputeOpened(reason="not my trades"))
            return recorded

        return record_share

    async with make_worker(_with(acts, "record_share", dispute_in_the_window)):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event = await profitable_session(deps, emulator_url)
        await shares.start(event)
        handle = shares.handle(event.event_id)
        view = await driver.wait_status(handle, "disputed")
        assert view.dispute is not None and view.dispute.reason == "not my trades"
        assert "share.disputed" in await _audit(deps, event.event_id)


async def test_escalate_committing_then_failing_still_sends_the_warning_once(
    deps, wf_settings, emulator_url, task_queue, time_skipping_env, make_worker
):
    acts = activities_for(deps, wf_settings)

    def lose_the_first_result(escalate: Callable[..., Any]) -> Callable[..., Any]:
        @activity.defn(name=c.ESCALATE)
        async def flaky_escalate(cmd: c.EscalateInput) -> bool:
            moved = await escalate(cmd)
            if cmd.stage == WARNING.key and activity.info().attempt == 1:
                raise RuntimeError("the connection dropped after the commit")
            return moved

        return flaky_escalate

    async with make_worker(_with(acts, "escalate", lose_the_first_result)):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + 8 * DAY)
        await driver.wait_level(event.event_id, Level.WARNING)

        async def warned():
            async with deps.sessions() as s:
                return await s.get(Notification, f"{event.event_id}:{WARNING.key}")

        notice = await eventually(warned)
        assert notice.template == "warning"
        actions = await _audit(deps, event.event_id)
        assert actions.count("share.warning") == 1


async def test_paid_on_day_13_delivered_on_day_15_undoes_the_suspension(driver):
    event, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + 15 * DAY + HOUR)
    await driver.wait_level(event.event_id, Level.SUSPENDED)
    suspended = await driver.standing(event.user_id)
    assert suspended["can_trade"] is False and suspended["trust"] == 50 - 5 - 10

    late = PaymentSignal(
        provider="standard",
        transaction_id="txn-late-webhook",
        amount=Decimal("150.00"),
        currency="USDT",
        paid_at=view.created_at + 13 * DAY,
    )
    await record_payment(driver.deps, event.event_id, late)  # as the webhook route does
    await handle.signal(ShareWorkflow.payment, late)
    await driver.wait_status(handle, "paid")
    standing = await driver.standing(event.user_id)
    # As if the payment had arrived on day 13: warned (-5), paid late (+2), never suspended.
    assert standing["trust"] == 50 - 5 + 2 and standing["can_trade"] is True
    assert standing["level"] == 0
    actions = await driver.audit_actions(event.event_id)
    assert "share.stage_undone" in actions
    row = await driver.share_row(event.event_id)
    assert row.level == Level.WARNING


async def test_a_worker_accepts_a_newer_apis_payload_with_fields_it_does_not_know(driver):
    """Forward compatible: the workflow edge ignores unknown fields (the API validates)."""
    event, handle, view = await driver.open_share()
    recorded = PaymentSignal(
        provider="standard",
        transaction_id="txn-from-a-newer-api",
        amount=Decimal("150.00"),
        currency="USDT",
        paid_at=view.created_at,
    )
    await record_payment(driver.deps, event.event_id, recorded)  # as the webhook route does
    await handle.signal(
        "payment",
        {
            "provider": "standard",
            "transaction_id": "txn-from-a-newer-api",
            "amount": "150.00",
            "currency": "USDT",
            "paid_at": view.created_at.isoformat(),
            "payer_vpa": "someone@upi",  # added by a newer API version
        },
    )
    paid = await driver.wait_status(handle, "paid")
    assert [p.transaction_id for p in paid.payments] == ["txn-from-a-newer-api"]


async def test_cancelling_a_share_restores_the_users_standing_audited(driver):
    event, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + 15 * DAY)
    await driver.wait_level(event.event_id, Level.SUSPENDED)
    assert (await driver.standing(event.user_id))["can_trade"] is False
    await handle.cancel()

    async def lifted():
        standing = await driver.standing(event.user_id)
        return standing if standing["level"] == 0 else None

    await eventually(lifted)
    assert "share.cancelled" in await driver.audit_actions(event.event_id)
    row = await driver.share_row(event.event_id)
    assert (row.status, row.closed_reason) == ("waived", "cancelled")


async def test_a_payment_waiting_in_the_inbox_counts_before_a_stage_that_fell_due(
    deps, wf_settings, emulator_url, task_queue, time_skipping_env, make_worker
):
    """ESCALATE for day 6 fails past day 7 (the database is down; past its bound the share
    stalls and waits for ops); a payment arrives on day 6.5 meanwhile. After the retry it is
    applied before the day-7 warning, which then never comes."""
    acts = activities_for(deps, wf_settings)
    database_back = False
    day6 = next(stage for stage in ladder() if stage.day == 6)

    def slow_on_day_6(escalate: Callable[..., Any]) -> Callable[..., Any]:
        @activity.defn(name=c.ESCALATE)
        async def slow_escalate(cmd: c.EscalateInput) -> bool:
            if cmd.stage == day6.key and not database_back:
                raise RuntimeError("the database does not answer")
            return await escalate(cmd)

        return slow_escalate

    async with make_worker(_with(acts, "escalate", slow_on_day_6)):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + 6 * DAY + 12 * HOUR)
        await driver.pay(handle, "150.00", "txn-day-6-and-a-half")
        await driver.advance_to(view.created_at + 7 * DAY + HOUR)  # day 7 is due meanwhile
        database_back = True
        await ShareClient(time_skipping_env.client, task_queue).retry_stalled(event.event_id)
        paid = await driver.wait_status(handle, "paid")
    assert paid.enforcement_level < Level.WARNING
    assert "share.warning" not in await _audit(deps, event.event_id)


async def test_cancelling_a_share_under_review_rejects_it_audited(driver):
    event = await profitable_session(
        driver.deps, driver.emulator_url, profit=Decimal("400"), reported=Decimal("1000")
    )
    handle = await driver.env.client.start_workflow(
        ShareWorkflow.run, event, id=f"share/{event.event_id}", task_queue=driver.task_queue
    )
    await driver.wait_status(handle, "under_review")

    async def recorded_under_review():  # the status write has landed (ShareWorkflow: a
        row = await driver.share_row(event.event_id)  # cancel during it is a stall there)
        return row if row.status == "under_review" else None

    await eventually(recorded_under_review)
    await handle.cancel()

    async def rejected():
        row = await driver.share_row(event.event_id)
        return row if row.status == "rejected" else None

    await eventually(rejected)
    assert (await driver.audit_actions(event.event_id))[-1] == "share.rejected"


async def test_cancelling_a_v3_share_during_a_ledger_write_cancels_it_not_stalls_it(
    driver, database_url
):
    """The cancel lands while the `under_review` write waits inside its transaction (the test
    holds every audit chain): the share is rejected, audited, never stalled."""
    event = await profitable_session(
        driver.deps, driver.emulator_url, profit=Decimal("400"), reported=Decimal("1000")
    )
    async with httpx.AsyncClient(base_url=driver.emulator_url) as exchange:
        await exchange.post("/_emulator/hold", json={"hold": True})  # verification waits
        handle = await driver.env.client.start_workflow(
            ShareWorkflowV3.run, event, id=f"share/{event.event_id}", task_queue=driver.task_queue
        )

        async def verifying():
            row = await driver.share_row(event.event_id)
            return row is not None and row.status == "verifying"

        await eventually(verifying)
        with psycopg.connect(libpq_url(database_url)) as held:
            held.execute("SELECT chain FROM audit_chains FOR UPDATE")
            await exchange.post("/_emulator/hold", json={"hold": False})

            async def write_waiting():  # the under_review write, blocked in its transaction
                return await waiting_on_a_lock(driver.deps) >= 1

            await eventually(write_waiting)
            await handle.cancel()
            await asyncio.sleep(1)
            held.rollback()

    async def rejected():
        row = await driver.share_row(event.event_id)
        return row if row.status == "rejected" else None

    await eventually(rejected, timeout=30)
    actions = await driver.audit_actions(event.event_id)
    assert actions[-1] == "share.rejected" and not any("stalled" in a for a in actions)
    assert (await handle.query(ShareWorkflow.status)).status == "rejected"
