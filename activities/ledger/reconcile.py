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
from activities.ledger.trust import move_trust
from db import audit, standing
from db.alerts import alert_ops
from db.models import Payment, Share
from db.shares import amounts, seal, set_amounts
from domain.models import PaymentSignal
from domain.policy import DEFAULT_TRUST_POLICY
from domain.settlement import Bill, apply_payment


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
                    event_id=str(payment.event_id),  # joined on it: never None here
                    user_id=user_id,
                    payment=PaymentSignal(
                        provider=payment.provider,
                        transaction_id=payment.transaction_id,
                        amount=Decimal(self._cipher.decrypt(payment.amount_enc)),
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
        """The share's workflow has completed. A share still owed (handed to collections) has
        the payment applied to its debt; any other keeps it as the user's credit. Once."""
        p = cmd.payment
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            row = await self._payment(s, p.provider, p.transaction_id)
            if row is None or row.status != "received":
                return "duplicate"
            money = amounts(share, self._cipher)
            paid_before = money["amount_paid"] or Decimal(0)
            billed = money["billed_amount"]
            owed = share.status in ("open", "disputed") and billed is not None
            if owed:
                assert billed is not None and share.discount_until is not None  # recorded
                outcome = apply_payment(
                    Bill(
                        billed=billed,
                        currency=str(share.billing_currency),
                        discount_rate=self._policy.early_discount,
                        discount_until=share.discount_until,
                    ),
                    paid_before=paid_before,
                    amount=p.amount,
                    currency=p.currency,
                    at=p.paid_at,
                )
                set_amounts(
                    share,
                    self._cipher,
                    amount_paid=outcome.amount_paid,
                    amount_due=outcome.amount_due,
                    credit=outcome.credit or None,
                )
                if outcome.settled:
                    share.status = "paid"
                    await move_trust(
                        s,
                        self._cipher,
                        cmd.user_id,
                        DEFAULT_TRUST_POLICY.paid_late,
                        at=cmd.at,
                        key=cmd.event_id,
                        reason="paid late",
                        actor=ACTOR,
                    )
                action = "share.paid" if outcome.settled else "share.partial_payment"
                answer, reason = "applied", "a payment for a share in collections was applied"
            else:
                set_amounts(
                    share,
                    self._cipher,
                    amount_paid=paid_before + p.amount,
                    credit=(money["credit"] or Decimal(0)) + p.amount,
                )
                action = "share.payment_credited"
                answer, reason = "credited", "a payment reached a closed share: kept as credit"
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            row.status, row.applied_at = "applied", cmd.at
            row.note = None if owed else "credited: share closed"
            await self._audit(
                s,
                at=cmd.at,
                action=action,
                subject=cmd.event_id,
                key=f"{cmd.event_id}:payment:{p.provider}:{p.transaction_id}",
                details={"provider": p.provider, "transaction_id": p.transaction_id},
            )
            await alert_ops(
                s,
                self._cipher,
                at=cmd.at,
                actor=ACTOR,
                key=f"reconciler:{answer}:{p.provider}:{p.transaction_id}",
                reason=reason,
                share=cmd.event_id,
            )
            await standing.recompute(s, cmd.user_id)
            return answer

    @activity.defn(name=c.CLOSE_IN_COLLECTIONS)
    async def close_in_collections(self, cmd: c.CloseInCollectionsInput) -> str:
        """Waives or writes off a share in collections (its workflow has completed): what
        is unpaid is forgiven, as the share workflow's own waiver would."""
        async with self._sessions() as s:
            share = await self._share(s, cmd.event_id)
            if share.status not in ("open", "disputed"):
                return f"refused: the share is {share.status}"
            money = amounts(share, self._cipher)
        billed = money["billed_amount"] or Decimal(0)
        unpaid = max(Decimal(0), billed - (money["amount_paid"] or Decimal(0)))
        await self.close_share(  # type: ignore[attr-defined]  # ClosingLedger, same class
            c.CloseShareInput(
                event_id=cmd.event_id,
                user_id=cmd.user_id,
                reason=cmd.kind,
                waived_amount=unpaid.quantize(billed) if billed else unpaid,
                at=cmd.at,
                note=cmd.note,
                block_user=cmd.kind == "write_off",
            )
        )
        return "applied"

    async def _payment(self, s, provider: str, transaction_id: str) -> Payment | None:
        return await s.scalar(
            select(Payment)
            .where(Payment.provider == provider, Payment.transaction_id == transaction_id)
            .with_for_update()
        )
