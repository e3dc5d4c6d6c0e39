"""After the share closed (patch answer_after_close): every message still gets its answer.

A payment that reaches a share no longer owed (paid, waived, rejected, no share; or one that
was never recorded) is handed to APPLY_PAYMENT, which keeps it as the user's credit: money is
never dropped. An approved proof is such a payment. Disputes, waivers and decisions on a
closed share are refused, and the refusal is kept in the share's answers (and logged).
The workflow completes only once its notices are settled and the inbox is empty.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import PaymentSignal, ProofDecision
    from workflows.calls import LedgerCall
    from workflows.effects import Effects
    from workflows.share_state import Message, ShareState


class Closed:
    def __init__(self, state: ShareState, ledger: LedgerCall, effects: Effects) -> None:
        self._s = state
        self._ledger = ledger
        self._effects = effects

    async def until_settled(self) -> None:
        settled = asyncio.create_task(self._effects.settle())

        def done() -> bool:
            # A payment sent as an update (ShareWorkflowV3.pay) waits for its answer: the
            # workflow completes only once every such caller has had it.
            return settled.done() and workflow.all_handlers_finished()

        while True:
            await workflow.wait_condition(lambda: bool(self._s.inbox) or done())
            while self._s.inbox:
                await self._answer(self._s.inbox.pop(0))
            if done() and not self._s.inbox:
                break

    async def _answer(self, message: Message) -> None:
        s = self._s
        if isinstance(message, PaymentSignal):
            await self.credit(message)
        elif isinstance(message, ProofDecision) and message.decision == "approve":
            payment = s.approve_proof(message.proof_id)
            if payment is not None:
                await self.credit(payment)
        else:
            kind = type(message).__name__
            s.answers[kind] = f"refused: the share is {s.status}"
            workflow.logger.warning("%s refused: share %s is %s", kind, s.event.event_id, s.status)

    async def credit(self, payment: PaymentSignal) -> None:
        """A payment the share does not need: recorded and kept as credit, audited. A share
        handed to collections still owes: its payment goes to the debt (patched)."""
        s = self._s
        if s.is_open and s.patches.pay_debt_while_closing:
            await self._to_the_debt(payment)
            return
        paid = s.amount_paid + payment.amount
        await self._ledger(
            c.ACTIVITIES.apply_payment,
            c.ApplyPaymentInput(
                event_id=s.event.event_id,
                user_id=s.event.user_id,
                payment=payment,
                amount_paid=paid,
                amount_due=s.amount_due or Decimal(0),
                credit=s.credit + payment.amount,
                settled=False,
                discounted=False,
                at=workflow.now(),
            ),
            summary=f"credit payment {payment.provider}:{payment.transaction_id}",
        )
        s.amount_paid, s.credit = paid, s.credit + payment.amount
        s.answer_payment(payment, "credited", note=f"credited: the share is {s.status}")

    async def _to_the_debt(self, payment: PaymentSignal) -> None:
        """The payment reconciler's rule (CREDIT_PAYMENT): applied to what the share owes by
        its own terms in the ledger, or kept as credit if it owes nothing; audited, alerted."""
        s = self._s
        answer = await self._ledger(
            c.ACTIVITIES.credit_payment,
            c.CreditPaymentInput(
                event_id=s.event.event_id,
                user_id=s.event.user_id,
                payment=payment,
                at=workflow.now(),
            ),
            summary=f"pay the debt in collections {payment.provider}:{payment.transaction_id}",
        )
        s.answer_payment(
            payment, answer, note=f"{answer} in collections", applied=answer == "applied"
        )
