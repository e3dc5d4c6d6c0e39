"""A dispute resolved by the ledger: it prices the outcome as day 0 priced the share (the
carried loss of the high-water mark, credit for what was paid and is no longer owed, what the
share absorbed given back) and the workflow takes its figures (disputes.py, patched
"money-dispute-in-ledger")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import DisputeResolution
    from workflows.calls import LedgerCall
    from workflows.effects import Effects
    from workflows.share_state import ShareState


async def resolve_in_ledger(
    s: ShareState,
    ledger: LedgerCall,
    publish: Callable[[], None],
    effects: Effects,
    resolution: DisputeResolution,
) -> None:
    assert s.dispute is not None and s.recorded is not None
    now = workflow.now()
    pause = now - s.dispute.opened_at
    due_at = s.recorded.due_at + pause
    settled = await ledger(
        c.ACTIVITIES.resolve_dispute,
        c.ResolveDisputeInput(
            event_id=s.event.event_id,
            user_id=s.event.user_id,
            outcome=resolution.outcome,
            status="open",
            due_at=due_at,
            at=now,
            note=resolution.note,
            verified_profit=resolution.verified_profit,
            priced_by_ledger=True,
        ),
        summary=f"dispute {resolution.outcome}",
    )
    assert settled is not None  # priced by the ledger: it answers with the share
    s.paused += max(pause, timedelta(0))
    s.dispute = s.dispute.model_copy(update={"outcome": resolution.outcome, "resolved_at": now})
    s.recorded = s.recorded.model_copy(
        update={
            "due_at": due_at,
            "share_amount": settled.share_amount,
            "billed_amount": settled.billed_amount,
        }
    )
    if settled.verified_profit is not None and s.verification is not None:
        s.verification = s.verification.model_copy(
            update={"verified_profit": settled.verified_profit}
        )
    s.amount_paid, s.amount_due, s.credit = (
        settled.amount_paid,
        settled.amount_due,
        settled.credit,
    )
    s.discount_granted, s.waived_amount = settled.discount_granted, settled.waived_amount
    if resolution.outcome == "cancelled":
        s.closed_reason = "dispute_cancelled"
    if resolution.outcome == "adjusted" and settled.status == "open":
        effects.close_payment_link()  # it asks the old amount
    s.status = settled.status
    publish()
    effects.notify(
        "dispute_resolved", "dispute_resolved", outcome=resolution.outcome, note=resolution.note
    )
    effects.push_standing()
