"""An approved UPI proof counts when the share's workflow has completed: applied to the debt
of a share in collections (its workflow ends at day 60, the share stays payable), or kept as
credit when the share was paid meanwhile. Both answered 409 and counted nowhere before."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus

from db.integrity import balance_finding
from db.models import Payment, PaymentProof, Share
from tests.support.api import ADMIN, BACKEND, OPS, pay_by_standard
from tests.support.proofs import proof_body, proofs_url
from tests.support.scenario import eventually
from workflows.ids import share_workflow_id
from workflows.reconciler import PaymentReconcilerWorkflow


async def _completed(env, event_id: str) -> None:
    handle = env.client.get_workflow_handle(share_workflow_id(event_id))

    async def done():
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await eventually(done, timeout=30)


async def _view(api, event_id: str) -> dict:
    return (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()


async def _upi_rows(deps, event_id: str) -> list[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(Payment.status).where(
                Payment.event_id == event_id, Payment.provider == "upi_proof"
            )
        )
        return list(rows)


async def _approve(api, proof_id: str) -> int:
    url = f"/v1/admin/payment-proofs/{proof_id}/decision"
    return (await api.post(url, json={"decision": "approve"}, headers=ADMIN)).status_code


async def test_an_approved_proof_pays_a_share_in_collections(
    api, open_share, deps, time_skipping_env, task_queue
):
    await time_skipping_env.sleep(timedelta(days=61))
    await _completed(time_skipping_env, open_share)
    before = await _view(api, open_share)
    assert (before["status"], before["level_name"]) == ("open", "collections")

    submitted = await api.post(proofs_url(open_share), json=proof_body(), headers=BACKEND)
    assert (submitted.status_code, submitted.json()["status"]) == (202, "pending_review")
    proof_id = submitted.json()["proof_id"]
    assert await _approve(api, proof_id) == 202
    assert await _approve(api, proof_id) == 202  # a repeat: the same answer, nothing more
    assert await _upi_rows(deps, open_share) == ["received"]  # for the reconciler, as a
    # late gateway payment to a share in collections is
    await time_skipping_env.client.execute_workflow(
        PaymentReconcilerWorkflow.run, id=f"reconcile-{uuid.uuid4().hex}", task_queue=task_queue
    )
    after = await _view(api, open_share)
    assert (after["status"], after["amount_paid"], after["amount_due"]) == (
        "paid",
        "142.50",
        "0.00",
    )
    assert await _upi_rows(deps, open_share) == ["applied"]


async def test_a_proof_approved_after_the_share_was_paid_and_closed_is_credited(
    api, open_share, deps, time_skipping_env
):
    proof = (await api.post(proofs_url(open_share), json=proof_body(), headers=BACKEND)).json()
    reference = (await _view(api, open_share))["payment_reference"]
    paid = await pay_by_standard(api, reference, f"txn-{uuid.uuid4().hex[:8]}", "150.00")
    assert paid == {"result": "applied"}
    await _completed(time_skipping_env, open_share)
    credit_before = Decimal((await _view(api, open_share))["credit"])

    assert await _approve(api, proof["proof_id"]) == 202
    async with deps.sessions() as s:
        status = await s.scalar(
            select(PaymentProof.status).where(PaymentProof.id == proof["proof_id"])
        )
    assert (status, await _upi_rows(deps, open_share)) == ("approved", ["credited"])
    after = await _view(api, open_share)
    assert Decimal(after["credit"]) == credit_before + Decimal("142.50")
    async with deps.sessions() as s:
        assert balance_finding(await s.get_one(Share, open_share), deps.cipher) is None
