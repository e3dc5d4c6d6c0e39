"""Disputes and closing without payment, for the open share (workflows/collection.py).

dispute ─→ disputed (no new level) ─→ upheld | adjusted ─→ open, ladder resumes
                                  └→ cancelled ─→ rejected (not owed)
waive / write-off ─→ waived
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import DisputeResolution, ShareStatus, Waiver
    from domain.settlement import billed_amount, rebill, share_amount
    from workflows.calls import LedgerCall
    from workflows.dispute_resolution import resolve_in_ledger
    from workflows.effects import Effects
    from workflows.share_state import ShareState


class Disputes:
    _s: ShareState
    _ledger: LedgerCall
    _publish: Callable[[], None]
    _effects: Effects

    async def _open_dispute(self) -> None:
        if self._s.status != "open":
            return
        if self._s.patches.queue_until_recorded and self._s.dispute is not None:
            # It may have waited for the record: the ladder pauses from now.
            self._s.dispute = self._s.dispute.model_copy(update={"opened_at": workflow.now()})
        await self._ledger(
            c.ACTIVITIES.open_dispute,
            c.OpenDisputeInput(
                event_id=self._s.event.event_id, user_id=self._s.event.user_id, at=workflow.now()
            ),
            summary="dispute opened: the ladder pauses",
        )
        self._s.status = "disputed"
        self._publish()
        self._effects.notify("dispute_opened", "dispute_opened")

    async def _resolve_dispute(self, resolution: DisputeResolution) -> None:
        s = self._s
        if s.status != "disputed" or s.dispute is None or s.recorded is None:
            return
        if s.patches.at("money-dispute-in-ledger"):
            await resolve_in_ledger(s, self._ledger, self._publish, self._effects, resolution)
            return
        now = workflow.now()
        pause = now - s.dispute.opened_at
        due_at = s.recorded.due_at + pause
        update: dict[str, Any] = {}
        status: ShareStatus = "open"
        if resolution.outcome == "adjusted":
            assert resolution.verified_profit is not None
            update = self._reprice(resolution.verified_profit)
            status = update.pop("status")
        elif resolution.outcome == "cancelled":
            status = "rejected"
            update = {"waived_amount": s.unpaid(), "amount_due": s.unpaid() * 0}
        await self._ledger(
            c.ACTIVITIES.resolve_dispute,
            c.ResolveDisputeInput(
                event_id=s.event.event_id,
                user_id=s.event.user_id,
                outcome=resolution.outcome,
                status=status,
                due_at=due_at,
                at=now,
                note=resolution.note,
                **update,
            ),
            summary=f"dispute {resolution.outcome}",
        )
        s.paused += max(pause, timedelta(0))
        s.dispute = s.dispute.model_copy(update={"outcome": resolution.outcome, "resolved_at": now})
        s.recorded = s.recorded.model_copy(
            update={"due_at": due_at}
            | {k: update[k] for k in ("share_amount", "billed_amount") if k in update}
        )
        if "verified_profit" in update and s.verification is not None:
            s.verification = s.verification.model_copy(
                update={"verified_profit": update["verified_profit"]}
            )
        s.amount_due = update.get("amount_due", s.amount_due)
        s.credit = update.get("credit", s.credit)
        s.waived_amount = update.get("waived_amount")
        if resolution.outcome == "cancelled":
            s.closed_reason = "dispute_cancelled"
        s.status = status
        self._publish()
        self._effects.notify(
            "dispute_resolved", "dispute_resolved", outcome=resolution.outcome, note=resolution.note
        )
        self._effects.push_standing()

    def _reprice(self, profit: Decimal) -> dict[str, Any]:
        """The share on the admin's verified profit: same rate, FX and discount window."""
        s = self._s
        assert s.recorded is not None
        amount = share_amount(profit, s.recorded.share_rate, s.event.currency)
        billed = billed_amount(amount, s.recorded.fx_rate, s.recorded.billing_currency)
        outcome = rebill(s.bill(), billed, paid=s.amount_paid, at=workflow.now())
        status = "no_share" if billed == 0 else "paid" if outcome.settled else "open"
        return {
            "status": status,
            "verified_profit": profit,
            "share_amount": amount,
            "billed_amount": billed,
            "amount_due": outcome.amount_due,
            "credit": outcome.credit,
        }

    async def _waive(self, waiver: Waiver) -> None:
        s = self._s
        waived = s.unpaid()
        await self._ledger(
            c.ACTIVITIES.close_share,
            c.CloseShareInput(
                event_id=s.event.event_id,
                user_id=s.event.user_id,
                reason=waiver.kind,
                waived_amount=waived,
                at=workflow.now(),
                note=waiver.note,
                block_user=waiver.kind == "write_off",
            ),
            summary="written off" if waiver.kind == "write_off" else "waived",
        )
        s.status, s.waived_amount, s.closed_reason = "waived", waived, waiver.kind
        s.amount_due = waived * 0
        if waiver.kind == "write_off" and s.patches.at("money-write-off"):
            # As the ledger records it: written off is not waived (CONTRACT.md's Share).
            s.waived_amount, s.written_off_amount = waived * 0, waived
        self._publish()
        self._effects.push_standing()
