"""The payment reconciler's writes: rows left `received` found, re-delivered, or credited.

A payment row is written `received` by the webhook route before it tells the share's workflow.
If telling failed (Temporal down, the gateway gave up retrying), nothing else would touch the
row again: the reconciler schedule finds it here and hands it on (workflows/reconciler.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from temporalio import activity

from activities import contracts as c
from activities.ledger.base import ACTOR, LedgerBase
from db import audit, standing
from db.alerts import alert_ops
from db.models import Payment, Share
from db.shares import amounts, seal, set_amounts
from domain.models import PaymentSignal


class ReconcileLedger(LedgerBase):
    @activity.defn(name=c.STUCK_PAYMENTS)
    async def stuck_payments(self, cmd: c.StuckPaymentsInput) -> list[c.StuckPayment]:
        cutoff = cmd.at - timedelta(seconds=cmd.older_than_seconds)
        async with self._sessions() as s:
            rows = await s.execute(
                select(Payment, Share.user_id)
                .join(Share, Share.event_id == Payment.event_id)
                .where(
                    Payment.status == "received",
                    Payment.signalled_at.is_(None),
                    Payment.received_at < cutoff,
                )
                .order_by(Payment.id)
                .limit(cmd.limit)
            )
            return [
                c.StuckPayment(
                    event_id=payment.event_id,
                    user_id=user_id,
                    payment=PaymentSignal(
                        provider=payment.provider,
                        transaction_id=payment.transaction_id,
                        amount=self._cipher.decrypt_decimal(payment.amount_enc),
                        currency=payment.currency,
                        paid_at=payment.paid_at,
                    ),
                )
                for payment, user_id in rows.all()
            ]

    @activity.defn(name=c.MARK_PAYMENT_REDELIVERED)
    async def mark_payment_redelivered(self, cmd: c.RedeliveredInput) -> None:
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            row = await self._payment(s, cmd.provider, cmd.transaction_id)
            if row is not None and row.signalled_at is None:
                row.signalled_at = cmd.at
                await alert_ops(
                    s,
                    self._cipher,
                    at=cmd.at,
                    actor=ACTOR,
                    key=f"reconciler:redelivered:{cmd.provider}:{cmd.transaction_id}",
                    reason="a payment left received was re-delivered to its share",
                    share=row.event_id or "",
                )

    @activity.defn(name=c.CREDIT_PAYMENT)
    async def credit_payment(self, cmd: c.CreditPaymentInput) -> str:
        """The share's workflow has completed: the payment becomes the user's credit, once."""
        p = cmd.payment
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            row = await self._payment(s, p.provider, p.transaction_id)
            if row is None or row.status != "received":
                return "duplicate"
            money = amounts(share, self._cipher)
            set_amounts(
                share,
                self._cipher,
                amount_paid=(money["amount_paid"] or Decimal(0)) + p.amount,
                credit=(money["credit"] or Decimal(0)) + p.amount,
            )
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            row.status, row.applied_at, row.note = "applied", cmd.at, "credited: share closed"
            await self._audit(
                s,
                at=cmd.at,
                action="share.payment_credited",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:payment:{p.provider}:{p.transaction_id}",
                details={"provider": p.provider, "transaction_id": p.transaction_id},
            )
            await alert_ops(
                s,
                self._cipher,
                at=cmd.at,
                actor=ACTOR,
                key=f"reconciler:credited:{p.provider}:{p.transaction_id}",
                reason="a payment reached a closed share: kept as credit",
                share=cmd.event_id,
            )
            await standing.recompute(s, cmd.user_id)
            return "credited"

    async def _payment(self, s, provider: str, transaction_id: str) -> Payment | None:
        return await s.scalar(
            select(Payment)
            .where(Payment.provider == provider, Payment.transaction_id == transaction_id)
            .with_for_update()
        )
