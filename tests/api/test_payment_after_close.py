"""A payment for a share whose workflow has completed is never dropped: the webhook answers
`credited`, and the payment reconciler keeps it as the user's credit, audited (issue 15, 1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from db.models import Payment
from tests.support import webhook_samples as samples
from tests.support.api import OPS, STANDARD_SECRET
from tests.support.scenario import eventually, submit_events, wait_open
from workflows.ids import share_workflow_id
from workflows.reconciler import PaymentReconcilerWorkflow


async def _pay(api, reference: str, txn: str, amount: str) -> dict:
    body = samples.standard_payment(reference, txn, amount, currency="USDT")
    headers = samples.signed_headers_standard(
        body, STANDARD_SECRET, datetime.now(UTC), msg_id=f"msg_{uuid.uuid4().hex}"
    )
    response = await api.post("/v1/webhooks/standard", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_payment_after_the_workflow_completed_is_credited(
    api, worker, deps, emulator_url, time_skipping_env, task_queue
):
    [event_id] = await submit_events(api, deps, emulator_url, 1)
    [share] = await wait_open(api, [event_id])
    reference = share["payment_reference"]
    assert await _pay(api, reference, f"txn-{uuid.uuid4().hex[:8]}", "150.00") in (
        {"result": "applied"},
        {"result": "credited"},
    )
    await time_skipping_env.client.get_workflow_handle(share_workflow_id(event_id)).result()

    late = f"txn-late-{uuid.uuid4().hex[:8]}"
    assert await _pay(api, reference, late, "25.00") == {"result": "credited"}
    async with deps.sessions.begin() as s:  # past the reconciler's grace period
        await s.execute(
            update(Payment)
            .where(Payment.transaction_id == late)
            .values(received_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    await time_skipping_env.client.execute_workflow(
        PaymentReconcilerWorkflow.run, id=f"reconcile-{late}", task_queue=task_queue
    )

    async def credited():
        async with deps.sessions() as s:
            row = await s.scalar(select(Payment).where(Payment.transaction_id == late))
        return row if row.status == "applied" else None

    row = await eventually(credited)
    assert row.note == "credited: share closed"
    view = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
    assert view["status"] == "paid"
