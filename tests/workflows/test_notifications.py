"""The share tells the backend and the user: every standing change in order, signed, once;
every stage's message once, even when deliveries fail and are retried."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from activities.notify.user import RecordingNotifier
from db.models import Notification
from domain.models import ProofDecision, ProofSubmitted
from tests.support.backend import BACKEND_SECRET
from tests.support.driver import ShareDriver
from tests.support.scenario import eventually
from workers.worker import build_worker
from workflows.share import ShareWorkflow

HOUR = timedelta(hours=1)


async def test_the_backend_hears_each_change_in_order_and_the_user_each_stage_once(
    time_skipping_env,
    deps,
    wf_settings,
    emulator_url,
    task_queue,
    backend,
):
    receiver, url = backend
    receiver.fail_next = 3  # the backend is down at first: deliveries retry
    settings = wf_settings.model_copy(
        update={"backend_webhook_url": url, "backend_webhook_secret": BACKEND_SECRET}
    )
    notifier = RecordingNotifier()
    async with build_worker(time_skipping_env.client, deps, settings, notifier=notifier):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + timedelta(days=31) + HOUR)
        await driver.wait_level(event.event_id, 4)
        await driver.pay(handle, "150.00", "txn-after-lock")
        await driver.wait_status(handle, "paid")
        await handle.result()  # the workflow completes once every delivery has finished

    levels = [p["data"]["enforcement_level"] for p in receiver.processed]
    assert levels == [1, 2, 3, 4, 0]  # reminders after the first change nothing
    assert len({p["id"] for p in receiver.processed}) == len(receiver.processed)
    assert receiver.requests.count(receiver.processed[0]["id"]) >= 2  # it was retried
    locked = receiver.processed[3]["data"]
    assert locked["trust_score"] == 15 and "trust_below_threshold" in locked["changes"]

    mine = [m for m in notifier.sent if m.user_id == event.user_id]
    stages = Counter(m.template for m in mine)
    assert stages == {
        "payment_due": 1,
        "reminder": 6,
        "warning": 1,
        "suspended": 1,
        "locked": 1,
        "paid": 1,
    }
    due = next(m for m in mine if m.template == "payment_due")
    assert "150.00 USDT" in due.message.text and "142.50 USDT" in due.message.text
    assert "7.50 USDT" in due.message.text
    assert len({m.idempotency_key for m in mine}) == len(mine)
    paid = next(m for m in mine if m.template == "paid")
    assert "150.00 USDT" in paid.message.text
    warning = next(m for m in mine if m.template == "warning")
    suspension = (view.created_at + timedelta(days=14)).date().isoformat()
    assert suspension in warning.message.text


async def test_a_rejected_proof_tells_the_user_why(driver):
    """The proof path through the workflow: the user hears the admin's note."""
    event, handle, view = await driver.open_share()
    proof = ProofSubmitted(
        proof_id="prf_test_1",
        transaction_id="UPI-1",
        amount=Decimal("142.50"),
        currency="USDT",
        paid_at=view.created_at,
    )
    await handle.signal(ShareWorkflow.proof, proof)
    await handle.signal(
        ShareWorkflow.proof_decision,
        ProofDecision(proof_id="prf_test_1", decision="reject", note="amount not visible"),
    )

    async def rejected():
        current = await handle.query(ShareWorkflow.status)
        return current.proofs and current.proofs[0].status == "rejected"

    await eventually(rejected)
    current = await handle.query(ShareWorkflow.status)
    assert current.status == "open" and current.payments == []

    async def told():
        async with driver.deps.sessions() as s:
            row = await s.get(Notification, f"{event.event_id}:proof_rejected:prf_test_1")
        return row is not None and row.sent_at is not None

    await eventually(told)
