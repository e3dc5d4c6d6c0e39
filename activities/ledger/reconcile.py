"""The payment reconciler's writes: rows left `received` found, re-delivered, or credited.

A payment row is written `received` by the webhook route before it tells the share's workflow.
If telling failed (Temporal down, the gateway gave up retrying), nothing else would touch the
row again: the reconciler schedule finds it here and hands it on (workflows/reconciler.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from temporalio import activity

from activities import contracts as c
from activities.ledger.base import LedgerBase
from activities.ledger.trust import paid
from db.alerts import OPS_ALERTS, alert_ops
from db.audited import Audit
from db.counted import counted_before, counted_step
from db.credit import keep_as_credit
from db.models import Payment, Share
from db.seals import seal_row
from db.shares import amounts, book_of
from domain.models import CLOSED_STATUSES, OWED_STATUSES, PaymentSignal
from domain.settlement import apply_payment

# A closed share's workflow acts on every payment it was told of before it completes: one told
# this long ago and still `received` was lost with it.
SIGNALLED_BUT_LEFT = timedelta(hours=1)


class ReconcileLedger(LedgerBase):
    @activity.defn(name=c.STUCK_PAYMENTS)
    async def stuck_payments(self, cmd: c.StuckPaymentsInput) -> list[c.StuckPayment]:
        cutoff = cmd.at - timedelta(seconds=cmd.older_than_seconds)
        long_ago = cmd.at - SIGNALLED_BUT_LEFT
        async with self._sessions() as s:
            rows = await s.execute(
                select(Payment, Share.user_id)
                .join(Share, Share.event_id == Payment.event_id)
                .where(
                    Payment.status == "received",
                    or_(
                        and_(Payment.signalled_at.is_(None), Payment.received_at < cutoff),
                        # Told, but its share closed without acting on it (a workflow ended
                        # by hand, or one older than the cancel fix): nothing else will.
                        and_(
                            Payment.signalled_at < long_ago,
                            Share.status.in_(sorted(CLOSED_STATUSES)),
                        ),
                    ),
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
        # The ops chain: no user's row but the payment's is written here.
        async with self._audited(OPS_ALERTS) as a:
            row = await self._payment(a, cmd.provider, cmd.transaction_id)
            if row is not None and row.signalled_at is None:
                row.signalled_at = cmd.at
                seal_row(row, self._hasher, self._cipher)
                await alert_ops(
                    a,
                    at=cmd.at,
                    key=f"reconciler:redelivered:{cmd.provider}:{cmd.transaction_id}",
                    reason="a payment left received was re-delivered to its share",
                    share=row.event_id or "",
                )

    @activity.defn(name=c.CREDIT_PAYMENT)
    async def credit_payment(self, cmd: c.CreditPaymentInput) -> str:
        """The share's workflow has completed. A share still owed (handed to collections) has
        the payment applied to its debt; any other keeps it as the user's credit. Once."""
        p = cmd.payment
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            row = await self._payment(a, p.provider, p.transaction_id)
            if row is None or row.status != "received":
                return "duplicate"
            if await counted_before(a, cmd.event_id, p.provider, p.transaction_id, at=cmd.at):
                return "duplicate"
            book = book_of(share, self._cipher)
            if book is None or share.status not in OWED_STATUSES:
                kept = await keep_as_credit(a, share, row, at=cmd.at)
                a.restanding(cmd.user_id)
                return kept
            try:
                outcome = apply_payment(
                    book.terms, paid_before=book.paid, amount=p.amount, currency=p.currency,
                    at=p.paid_at,
                )  # fmt: skip
            except ValueError as refused:  # the currency, or nothing at the minor unit
                row.status, row.note = "refused", str(refused)[:500]
                seal_row(row, self._hasher, self._cipher)
                await alert_ops(
                    a,
                    at=cmd.at,
                    key=f"reconciler:refused:{p.provider}:{p.transaction_id}",
                    reason=f"a payment for a share in collections was refused: {refused}",
                    share=cmd.event_id,
                )
                return "refused"
            self._set_paid_amounts(share, outcome)
            if outcome.settled:  # in collections: long past due
                await paid(a, share, cmd.user_id, self._policy.trust, on_time=False, at=cmd.at)
            a.changed(share)
            row.status, row.applied_at, row.note = "applied", cmd.at, outcome.note or None
            seal_row(row, self._hasher, self._cipher)
            await a.record_share(
                "share.paid" if outcome.settled else "share.partial_payment",
                cmd.event_id,
                counted_step(p.provider, p.transaction_id),
                at=cmd.at,
                details={"provider": p.provider, "transaction_id": p.transaction_id},
            )
            await alert_ops(
                a,
                at=cmd.at,
                key=f"reconciler:applied:{p.provider}:{p.transaction_id}",
                reason="a payment for a share in collections was applied",
                share=cmd.event_id,
            )
            a.restanding(cmd.user_id)
            return "applied"

    @activity.defn(name=c.CLOSE_IN_COLLECTIONS)
    async def close_in_collections(self, cmd: c.CloseInCollectionsInput) -> str:
        """Waives or writes off a share in collections (its workflow has completed): what
        is unpaid is forgiven, as the share workflow's own waiver would."""
        async with self._sessions() as s:
            share = await s.scalar(select(Share).where(Share.event_id == cmd.event_id))
            if share is None:
                return "refused: no such share"
            if share.status not in OWED_STATUSES:
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
        async with self._sessions() as s:  # close_share judged the locked row
            status = await s.scalar(select(Share.status).where(Share.event_id == cmd.event_id))
        return "applied" if status == "waived" else f"refused: the share is {status}"

    async def _payment(self, a: Audit, provider: str, transaction_id: str) -> Payment | None:
        return await a.locked(
            select(Payment).where(
                Payment.provider == provider, Payment.transaction_id == transaction_id
            )
        )
