"""A payment applied to a share: once per (provider, transaction id).

An open share takes the figures the workflow computed (domain/book.py, judged when the
share's payments completed it: `settled_at`, or the payment's own time for older shares).
A share that no longer owes anything (paid, waived, written off, cancelled, or a payment
the workflow handles after it settled) keeps the money as credit:
the row says `credited`, the audit log and ops alerts say so, and a refund gives it back.
Only a payment the API recorded moves money (activities/ledger/recorded.py).
"""

from __future__ import annotations

from typing import Literal

from temporalio import activity

from activities import contracts as c
from activities.ledger.base import LedgerBase
from activities.ledger.recorded import recorded_payment
from activities.ledger.trust import paid
from db.alerts import alert_ops
from db.counted import counted_before, counted_step
from db.credit import keep_as_credit
from db.seals import seal_row
from domain.models import OWED_STATUSES

PaymentApplied = Literal["applied", "duplicate", "credited", "refused"]


class PaymentLedger(LedgerBase):
    @activity.defn(name=c.APPLY_PAYMENT)
    async def apply_payment(self, cmd: c.ApplyPaymentInput) -> PaymentApplied:
        """Applies one recorded payment once; a repeat of its (provider, transaction id)
        changes nothing.

        Returns "applied", "duplicate" (seen before), "credited" (kept as credit: the share
        owed nothing) or "refused" (not in the billing currency, nothing at its minor unit, or
        not a payment the API recorded: then ops are alerted).
        """
        p = cmd.payment
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            row = await recorded_payment(a, cmd, share)
            if isinstance(row, str):
                await alert_ops(
                    a,
                    at=cmd.at,
                    key=f"unrecorded:{p.provider}:{p.transaction_id}:{cmd.event_id}",
                    reason=f"payment not applied: {row}",
                    share=cmd.event_id,
                    provider=p.provider,
                    transaction_id=p.transaction_id,
                )
                return "refused"
            if row.status in ("applied", "credited"):
                return "duplicate"
            if await counted_before(a, cmd.event_id, p.provider, p.transaction_id, at=cmd.at):
                return "duplicate"
            if share.status not in OWED_STATUSES or cmd.credit_only:
                return await keep_as_credit(a, share, row, at=cmd.at)
            row.status, row.applied_at, row.event_id = "applied", cmd.at, cmd.event_id
            if cmd.note:
                row.note = cmd.note
            seal_row(row, self._hasher, self._cipher)
            self._set_paid_amounts(share, cmd)
            if cmd.settled:
                completed = cmd.settled_at or p.paid_at
                on_time = share.due_at is None or completed <= share.due_at
                await paid(a, share, cmd.user_id, self._policy.trust, on_time=on_time, at=cmd.at)
            a.changed(share)
            await a.record_share(
                "share.paid" if cmd.settled else "share.partial_payment",
                cmd.event_id,
                counted_step(p.provider, p.transaction_id),
                at=cmd.at,
                details={
                    "provider": p.provider,
                    "transaction_id": p.transaction_id,
                    "discounted": cmd.discounted,
                },
            )
            a.restanding(cmd.user_id)
            return "applied"
