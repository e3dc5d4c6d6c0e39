"""After the share closed (patch answer_after_close): every message still gets its answer.

A payment that reaches a share no longer owed (paid, waived, rejected, no share; or one that
was never recorded) is handed to APPLY_PAYMENT, which keeps it as the user's credit: money is
never dropped. An approved proof is such a payment. Disputes, waivers and decisions on a
closed share are refused, and the refusal is kept in the share's answers (and logged).
The workflow completes only once its notices are settled and the inbox is empty.

A share handed to collections (V3/V4 leave the ladder at day 60) is still open here while its
notices settle. Patched (close_while_settling), a waiver or write-off then closes it through
the ledger's CLOSE_IN_COLLECTIONS, exactly as CollectionsClose does once the workflow has
completed: from day 60 the ledger holds the debt (a payment in this window is applied there,
`_to_the_debt`, and this state does not follow it), so the ledger, not this workflow's
figures, must judge what is forgiven; and the admin's 202 means the same whether the workflow
completed a second earlier or later. Disputes and resolutions are refused as the API refuses
them once the workflow completed, answered under their documented keys, and ops are alerted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import PaymentSignal, ProofDecision, Waiver
    from workflows.calls import LedgerCall
    from workflows.effects import Effects
    from workflows.share_state import WAIVER_KEY, Message, ShareState, message_key


class Closed:
    def __init__(
        self,
        state: ShareState,
        ledger: LedgerCall,
        effects: Effects,
        publish: Callable[[], None],
    ) -> None:
        self._s = state
        self._ledger = ledger
        self._effects = effects
        self._publish = publish

    async def until_settled(self) -> None:
        settled = asyncio.create_task(self._effects.settle())

        def done() -> bool:
            # A payment sent as an update (ShareWorkflowV3.pay) waits for its answer: the
            # workflow completes only once every such caller has had it.
            # Patched: and what was spawned since (a waiver in collections tells the backend).
            later = self._effects.idle or not self._s.patches.close_while_settling
            return settled.done() and later and workflow.all_handlers_finished()

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
        elif not s.patches.close_while_settling:
            kind = type(message).__name__
            s.answers[kind] = f"refused: the share is {s.status}"
            workflow.logger.warning("%s refused: share %s is %s", kind, s.event.event_id, s.status)
        elif isinstance(message, Waiver) and s.is_open:
            await self._close_in_collections(message)
        else:
            await self._refuse(message)

    async def _refuse(self, message: Message) -> None:
        """Patched: under the message's documented key; one the API accepted for a share in
        collections (a dispute, a resolution) is refused as it is once the workflow completed,
        and ops hear of it."""
        s = self._s
        key = message_key(message)
        where = "in collections" if s.is_open else s.status
        s.answers[key] = f"refused: the share is {where}"
        workflow.logger.warning("%s refused: share %s is %s", key, s.event.event_id, where)
        if s.is_open:
            await self._ledger(
                c.ACTIVITIES.alert_ops,
                c.OpsAlert(
                    subject=s.event.event_id,
                    at=workflow.now(),
                    reason=f"{key} refused: the share is in collections",
                    key=f"{s.event.event_id}:refused-in-collections:{key}",
                ),
                summary=f"tell ops: {key} refused in collections",
            )

    async def _close_in_collections(self, waiver: Waiver) -> None:
        """A waiver or write-off of a share handed to collections, as CollectionsClose closes
        it (see the module docstring): the ledger judges the locked row and answers."""
        s = self._s
        answer = await self._ledger(
            c.ACTIVITIES.close_in_collections,
            c.CloseInCollectionsInput(
                event_id=s.event.event_id,
                user_id=s.event.user_id,
                kind=waiver.kind,
                note=waiver.note,
                at=workflow.now(),
            ),
            summary=f"{waiver.kind} in collections",
        )
        s.answers[WAIVER_KEY] = answer
        if answer != "applied":
            workflow.logger.warning("%s for %s: %s", waiver.kind, s.event.event_id, answer)
            return
        unpaid = s.unpaid()
        s.status, s.closed_reason, s.amount_due = "waived", waiver.kind, unpaid * 0
        if waiver.kind == "write_off":
            s.waived_amount, s.written_off_amount = unpaid * 0, unpaid
        else:
            s.waived_amount = unpaid
        self._publish()
        self._effects.push_standing()

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
