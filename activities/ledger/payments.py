"""A payment applied to a share: once per (provider, transaction id).

An open share takes the figures the workflow computed (domain/book.py, judged at the
payment's own time). A share that no longer owes anything (paid, waived, written off,
cancelled, or a payment the workflow handles after it settled) keeps the money as credit:
the row says `credited`, the audit log and ops alerts say so, and a refund gives it back.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities import contracts as c
from activities.ledger.base import ACTOR, LedgerBase
from activities.ledger.trust import move_trust
from db import audit, standing
from db.credit import keep_as_credit
from db.models import Payment, Share
from db.shares import seal, set_amounts
from domain.money import format_money

PaymentApplied = Literal["applied", "duplicate", "credited", "refused"]


class PaymentLedger(LedgerBase):
    @activity.defn(name=c.APPLY_PAYMENT)
    async def apply_payment(self, cmd: c.ApplyPaymentInput) -> PaymentApplied:
        """Applies one payment once; a repeat of its (provider, transaction id) changes nothing.

        Returns "applied", "duplicate" (seen before), "credited" (kept as credit: the share
        owed nothing) or "refused" (not in the billing currency, or nothing at its minor unit).
        """
        p = cmd.payment
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            row = await self._payment_row(s, share, cmd)
            if row.status in ("applied", "credited"):
                return "duplicate"
            if share.status not in ("open", "disputed") or cmd.credit_only:
                return await self._credit(s, share, row, cmd)
            row.status, row.applied_at, row.event_id = "applied", cmd.at, cmd.event_id
            if cmd.note:
                row.note = cmd.note
            set_amounts(
                share,
                self._cipher,
                amount_paid=cmd.amount_paid,
                amount_due=cmd.amount_due,
                credit=cmd.credit or None,
                discount_granted=cmd.discount_granted,
            )
            if cmd.settled:
                share.status = "paid"
                on_time = share.due_at is None or p.paid_at <= share.due_at
                trust = self._policy.trust
                await move_trust(
                    s,
                    self._cipher,
                    cmd.user_id,
                    trust.paid_on_time if on_time else trust.paid_late,
                    at=cmd.at,
                    key=cmd.event_id,
                    reason="paid on time" if on_time else "paid late",
                    actor=ACTOR,
                )
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            await self._audit(
                s,
                at=cmd.at,
                action="share.paid" if cmd.settled else "share.partial_payment",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:payment:{p.provider}:{p.transaction_id}",
                details={
                    "provider": p.provider,
                    "transaction_id": p.transaction_id,
                    "discounted": cmd.discounted,
                },
            )
            await standing.recompute(s, cmd.user_id)
            return "applied"

    async def _payment_row(
        self, s: AsyncSession, share: Share, cmd: c.ApplyPaymentInput
    ) -> Payment:
        p = cmd.payment
        await s.execute(
            insert(Payment)
            .values(
                provider=p.provider,
                transaction_id=p.transaction_id,
                event_id=cmd.event_id,
                payment_reference=share.payment_reference,
                amount_enc=self._cipher.encrypt(format_money(p.amount)),
                currency=p.currency,
                paid_at=p.paid_at,
                status="received",
            )
            .on_conflict_do_nothing(constraint="uq_payment_txn")
        )
        row = await s.scalar(
            select(Payment)
            .where(Payment.provider == p.provider, Payment.transaction_id == p.transaction_id)
            .with_for_update()
        )
        assert row is not None
        return row

    async def _credit(
        self, s: AsyncSession, share: Share, row: Payment, cmd: c.ApplyPaymentInput
    ) -> PaymentApplied:
        return await keep_as_credit(
            s, self._cipher, self._hasher, share, row, at=cmd.at, actor=ACTOR
        )
