"""After any failure: do Postgres and Temporal still tell one consistent story about the money?

The invariants every chaos test ends with:
- every event has exactly one share, and one share workflow that has not failed;
- no share is stuck: it rests in a state a user or an admin acts on, and the workflow and
  Postgres agree on it;
- every payment is applied once: one payment row, one audit entry, one entry in the workflow;
  no payment row is left `received` (the reconciler schedule re-delivers or credits those);
- no share is stalled (ShareStatus = "stalled": a step gave up and waits for ops);
- the amounts reconcile: what was billed = paid (net of any overpayment credit) + still due
  + waived (the early-payment discount, or a waived share's remainder).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowExecutionStatus

from db.models import AuditEntry, Payment, ProfitEventRow, Share
from db.shares import amounts
from domain.policy import DEFAULT_SHARE_POLICY
from domain.settlement import Bill
from workers.deps import Deps
from workflows import search_attributes as sa
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow
from workflows.stalls import STALLED

# States a share may rest in; anything else means a workflow is still (or forever) busy.
RESTING = {"open", "paid", "no_share", "under_review", "rejected", "disputed", "waived"}
ALIVE = {WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.COMPLETED}


@dataclass
class Reconciliation:
    problems: list[str] = field(default_factory=list)
    billed: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    due: Decimal = Decimal(0)
    waived: Decimal = Decimal(0)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.billed == self.paid + self.due + self.waived


async def reconcile(deps: Deps, client: Client, event_ids: list[str]) -> Reconciliation:
    result = Reconciliation()
    for event_id in event_ids:
        await _one(deps, client, event_id, result)
    return result


async def _one(deps: Deps, client: Client, event_id: str, out: Reconciliation) -> None:
    async with deps.sessions() as s:
        events = await s.scalar(
            select(func.count())
            .select_from(ProfitEventRow)
            .where(ProfitEventRow.event_id == event_id)
        )
        share = await s.get(Share, event_id)
        payments = list(await s.scalars(select(Payment).where(Payment.event_id == event_id)))
        paid_keys = list(
            await s.scalars(
                select(AuditEntry.idempotency_key).where(
                    AuditEntry.subject == event_id,
                    AuditEntry.action.in_(("share.paid", "share.partial_payment")),
                )
            )
        )
    if events != 1 or share is None:
        found = "a share" if share else "no share"
        out.problems.append(f"{event_id}: {events} event rows and {found}")
        return
    out.statuses[share.status] += 1
    handle = client.get_workflow_handle(share_workflow_id(event_id))
    described = await handle.describe()
    if described.status not in ALIVE:
        out.problems.append(f"{event_id}: workflow {described.status.name}")
        return
    if described.typed_search_attributes.get(sa.SHARE_STATUS) == STALLED:
        out.problems.append(f"{event_id}: stalled, waiting for an admin's retry")
    stranded = [f"{p.provider}:{p.transaction_id}" for p in payments if p.status == "received"]
    if stranded:
        out.problems.append(f"{event_id}: payments left received: {stranded}")
    view = await handle.query(ShareWorkflow.status, rpc_timeout=timedelta(seconds=10))
    if share.status not in RESTING or view.status != share.status:
        out.problems.append(f"{event_id}: stuck (Postgres {share.status}, workflow {view.status})")

    applied = [p for p in payments if p.status == "applied"]
    in_workflow = Counter(f"{p.provider}:{p.transaction_id}" for p in view.payments if p.applied)
    for payment in applied:
        key = f"{payment.provider}:{payment.transaction_id}"
        audits = paid_keys.count(f"{event_id}:payment:{key}")
        if audits != 1 or in_workflow[key] != 1:
            times = f"{audits}x in the audit log, {in_workflow[key]}x in the workflow"
            out.problems.append(f"{event_id}: {key} applied {times}")
    if sum(in_workflow.values()) != len(applied):
        out.problems.append(f"{event_id}: applied {dict(in_workflow)}; Postgres has {len(applied)}")
    _amounts(deps, event_id, share, applied, out)


def _amounts(
    deps: Deps, event_id: str, share: Share, applied: list[Payment], out: Reconciliation
) -> None:
    money = amounts(share, deps.cipher)
    billed = money["billed_amount"]
    if billed is None:  # never recorded (no share, rejected): nothing billed, nothing owed
        return
    paid = money["amount_paid"] or Decimal(0)
    net = paid - (money["credit"] or Decimal(0))
    due = money["amount_due"] or Decimal(0)
    received = sum((deps.cipher.decrypt_decimal(p.amount_enc) for p in applied), Decimal(0))
    if received != paid:
        out.problems.append(f"{event_id}: payments add up to {received}, share says paid {paid}")
    waived = billed - net - due
    bill = Bill(
        billed, share.billing_currency, DEFAULT_SHARE_POLICY.early_discount, share.discount_until
    )
    discount = billed - bill.owed_at(share.discount_until)
    if share.status == "waived":
        waived, due = billed - net, Decimal(0)
    elif waived not in (Decimal(0), discount):
        out.problems.append(f"{event_id}: billed {billed} != paid {net} + due {due} (+ discount)")
    elif waived and not any(p.paid_at <= share.discount_until for p in applied):
        out.problems.append(f"{event_id}: discount granted without an early payment")
    out.billed += billed
    out.paid += net
    out.due += due
    out.waived += waived
