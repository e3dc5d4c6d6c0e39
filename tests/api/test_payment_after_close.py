"""A payment for a share whose workflow has completed is never dropped: the webhook answers
`credited`, and the payment reconciler keeps it as the user's credit, audited (issue 15, 1)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from db.models import Payment
from tests.support.api import OPS, pay_by_standard
from tests.support.scenario import submit_events, wait_open
from workflows.ids import share_workflow_id
from workflows.reconciler import PaymentReconcilerWorkflow


async def test_a_payment_after_the_workflow_completed_is_credited(
    api, worker, deps, emulator_url, time_skipping_env, task_queue
):
    [event_id] = await submit_events(api, deps, emulator_url, 1)
    [share] = await wait_open(api, [event_id])
    reference = share["payment_reference"]
    assert await pay_by_standard(api, reference, f"txn-{uuid.uuid4().hex[:8]}", "150.00") in (
        {"result": "applied"},
        {"result": "credited"},
    )
    await time_skipping_env.client.get_workflow_handle(share_workflow_id(event_id)).result()

    late = f"txn-late-{uuid.uuid4().hex[:8]}"
    assert await pay_by_standard(api, reference, late, "25.00") == {"result": "credited"}
    # Kept as credit at once, through the one credit rule (db/credit.py): nothing is left
    # received for the payment reconciler, which leaves the row as it is.
    async with deps.sessions() as s:
        row = await s.scalar(select(Payment).where(Payment.transaction_id == late))
    assert row.status == "credited"
    await time_skipping_env.client.execute_workflow(
        PaymentReconcilerWorkflow.run, id=f"reconcile-{late}", task_queue=task_queue
    )
    async with deps.sessions() as s:
        again = await s.scalar(select(Payment).where(Payment.transaction_id == late))
    assert again.status == "credited"
    view = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
    assert view["status"] == "paid"
    assert Decimal(view["credit"]) == Decimal("7.50") + Decimal("25.00")
