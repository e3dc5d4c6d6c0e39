"""After any failure: do Postgres and Temporal still tell one consistent story about the money?

The invariants every chaos test ends with:
- every event has exactly one share, and one share workflow that has not failed;
- no share is stuck: it rests in a state a user or an admin acts on, and the workflow and
  Postgres agree on it;
- every payment is applied once: one payment row, one audit entry, one entry in the workflow;
- no payment row is left `received` (the reconciler schedule re-delivers or credits those);
- no share is stalled (ShareStatus = "stalled": a step gave up and waits for ops);
- the amounts reconcile exactly (domain/book.py): billed = paid − credit − refunded + due
  + discount granted + waived + written off, for every share, to the minor unit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowExecutionStatus

from db.models import AuditEntry, Payment, ProfitEventRow, Share
from db.shares import book_of
from runtime.deps import Deps
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
    kept = [p for p in payments if p.status in ("applied", "credited")]
    in_workflow = Counter(f"{p.provider}:{p.transaction_id}" for p in view.payments if p.applied)
    for payment in applied:
        key = f"{payment.provider}:{payment.transaction_id}"
        audits = paid_keys.count(f"{event_id}:payment:{key}")
        if audits != 1 or in_workflow[key] != 1:
            times = f"{audits}x in the audit log, {in_workflow[key]}x in the workflow"
            out.problems.append(f"{event_id}: {key} applied {times}")
    if sum(in_workflow.values()) != len(applied):
        out.problems.append(f"{event_id}: applied {dict(in_workflow)}; Postgres has {len(applied)}")
    _amounts(deps, event_id, share, kept, out)


def _amounts(
    deps: Deps, event_id: str, share: Share, applied: list[Payment], out: Reconciliation
) -> None:
    """The exact invariant of domain/book.py, no tolerance: billed = paid − credit − refunded
    + due + discount granted + waived + written off, and no open share with nothing due."""
    book = book_of(share, deps.cipher)
    if book is None:  # never recorded (no share, rejected): nothing billed, nothing owed
        return
    f = book.figures(datetime.now(UTC))
    received = sum(
        (book.terms.round(deps.cipher.decrypt_decimal(p.amount_enc)) for p in applied), Decimal(0)
    )
    if received != f.amount_paid:
        out.problems.append(
            f"{event_id}: payments add up to {received}, share says paid {f.amount_paid}"
        )
    if not f.balanced:
        out.problems.append(f"{event_id}: does not balance: {f}")
    if book.is_open and f.amount_due <= 0:
        out.problems.append(f"{event_id}: open with nothing due")
    if (
        not book.is_open
        and f.discount_granted
        and not any(p.paid_at <= share.discount_until for p in applied)
    ):
        out.problems.append(f"{event_id}: discount granted without an early payment")
    out.billed += f.billed
    out.paid += f.amount_paid - f.credit - f.refunded
    out.due += f.amount_due
    out.waived += f.discount_granted + f.waived_amount + f.written_off_amount
