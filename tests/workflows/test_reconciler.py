"""No payment row stays `received`: the reconciler re-delivers one its share never heard of,
and credits one whose share's workflow has completed, alerting ops (issue 15, deliverable 1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from db.alerts import OPS_ALERTS
from db.models import AuditEntry, Payment
from tests.support.scenario import eventually
from workflows.reconciler import PaymentReconcilerWorkflow


async def _stranded(deps, event_id: str, amount: str, txn: str) -> None:
    """What the webhook route leaves when Temporal was down and the gateway gave up."""
    async with deps.sessions.begin() as s:
        s.add(
            Payment(
                provider="standard",
                transaction_id=txn,
                event_id=event_id,
                amount_enc=deps.cipher.encrypt(amount),
                currency="USDT",
                paid_at=datetime.now(UTC) - timedelta(minutes=10),
                status="received",
                received_at=datetime.now(UTC) - timedelta(minutes=10),
            )
        )


async def _reconcile(driver) -> dict[str, int]:
    return await driver.env.client.execute_workflow(
        PaymentReconcilerWorkflow.run,
        id=f"reconcile-{uuid.uuid4().hex[:8]}",
        task_queue=driver.task_queue,
    )


async def _row(deps, txn: str) -> Payment:
    async with deps.sessions() as s:
        return await s.scalar(select(Payment).where(Payment.transaction_id == txn))


async def _alerts(deps) -> set[str]:
    async with deps.sessions() as s:
        keys = await s.scalars(
            select(AuditEntry.idempotency_key).where(AuditEntry.subject == OPS_ALERTS)
        )
        return set(keys)


async def test_a_payment_its_share_never_heard_of_is_redelivered_and_applied(driver, deps):
    event, handle, view = await driver.open_share()
    txn = f"txn-stranded-{uuid.uuid4().hex[:6]}"
    await _stranded(deps, event.event_id, "150.00", txn)
    assert (await _reconcile(driver))["redelivered"] >= 1
    paid = await driver.wait_status(handle, "paid")
    assert [p.transaction_id for p in paid.payments] == [txn]

    async def applied():
        return (await _row(deps, txn)).status == "applied"

    await eventually(applied)
    assert f"reconciler:redelivered:standard:{txn}" in await _alerts(deps)


async def test_a_payment_for_a_completed_share_is_credited(driver, deps):
    event, handle, view = await driver.open_share()
    await driver.pay(handle, "150.00", "txn-settled")
    await handle.result()
    txn = f"txn-too-late-{uuid.uuid4().hex[:6]}"
    await _stranded(deps, event.event_id, "25.00", txn)
    assert (await _reconcile(driver))["credited"] >= 1
    # The one credit rule (db/credit.py): the row says credited, audited and alerted.
    row = await _row(deps, txn)
    assert row.status == "credited"
    assert "share.credited" in await driver.audit_actions(event.event_id)
    assert f"credit:standard:{txn}" in await _alerts(deps)
    share = await driver.share_row(event.event_id)
    credit = deps.cipher.decrypt_decimal(share.credit_enc)
    assert credit == Decimal("7.50") + Decimal("25.00")


async def test_a_payment_told_to_a_share_that_closed_without_it_is_credited(driver, deps):
    """Signalled, but its share's workflow ended without acting on it (ended by hand, or a
    share of the type before the cancel fix): after an hour the reconciler takes it."""
    event, handle, view = await driver.open_share()
    await driver.pay(handle, "150.00", "txn-settled-first")
    await handle.result()
    txn = f"txn-told-{uuid.uuid4().hex[:6]}"
    await _stranded(deps, event.event_id, "25.00", txn)
    async with deps.sessions.begin() as s:  # the route had told the workflow, long ago
        row = await s.scalar(select(Payment).where(Payment.transaction_id == txn))
        row.signalled_at = datetime.now(UTC) - timedelta(hours=2)
    assert (await _reconcile(driver))["credited"] >= 1
    assert (await _row(deps, txn)).status == "credited"


async def test_a_payment_told_to_an_open_share_is_left_to_it(driver, deps):
    event, handle, view = await driver.open_share()
    txn = f"txn-queued-{uuid.uuid4().hex[:6]}"
    await _stranded(deps, event.event_id, "25.00", txn)
    async with deps.sessions.begin() as s:  # told: the share may hold it (under review)
        row = await s.scalar(select(Payment).where(Payment.transaction_id == txn))
        row.signalled_at = datetime.now(UTC) - timedelta(hours=2)
    await _reconcile(driver)
    assert (await _row(deps, txn)).status == "received"
