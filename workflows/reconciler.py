"""PaymentReconcilerWorkflow: no payment row stays `received` (scheduled every few minutes).

A row the webhook route wrote but could not hand to its share (Temporal was down and the
gateway stopped retrying) is re-delivered to the share's workflow, which dedupes by
transaction id. When that workflow has completed, the payment is applied here: to the debt of
a share handed to collections (its workflow completes at day 60, the share stays payable), or
as credit to a share no longer owed. Either way it is audited and ops get an alert naming it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from workflows import options
    from workflows.calls import In, Out, deliver_standing, execute
    from workflows.ids import share_workflow_id

SCHEDULE_ID = "payment-reconciler"
WORKFLOW_ID = "payment-reconciler"
EVERY = timedelta(minutes=5)
# Younger rows may still be on their way (the route signals right after it writes).
OLDER_THAN = timedelta(minutes=3)


@workflow.defn(name="PaymentReconciler")
class PaymentReconcilerWorkflow:
    @workflow.run
    async def run(self) -> dict[str, int]:
        stuck = await self._ledger(
            c.ACTIVITIES.stuck_payments,
            c.StuckPaymentsInput(
                older_than_seconds=int(OLDER_THAN.total_seconds()), at=workflow.now()
            ),
            summary="payments left received",
        )
        outcome = {"redelivered": 0, "applied": 0, "credited": 0}
        for row in stuck:
            p = row.payment
            try:
                await workflow.get_external_workflow_handle(share_workflow_id(row.event_id)).signal(
                    "payment", p
                )
            except FailureError:  # the share's workflow has completed
                answer = await self._ledger(
                    c.ACTIVITIES.credit_payment,
                    c.CreditPaymentInput(
                        event_id=row.event_id, user_id=row.user_id, payment=p, at=workflow.now()
                    ),
                    summary=f"apply or credit {p.provider}:{p.transaction_id}",
                )
                outcome[answer] = outcome.get(answer, 0) + 1
                if answer == "applied":  # a share in collections: its standing changed
                    await deliver_standing(row.user_id, give_up=EVERY)
                continue
            await self._ledger(
                c.ACTIVITIES.mark_payment_redelivered,
                c.RedeliveredInput(
                    provider=p.provider, transaction_id=p.transaction_id, at=workflow.now()
                ),
                summary=f"re-delivered {p.provider}:{p.transaction_id}",
            )
            outcome["redelivered"] += 1
        return outcome

    async def _ledger(self, contract: c.Contract[In, Out], arg: In, *, summary: str) -> Out:
        return await execute(
            contract,
            arg,
            summary=summary,
            start_to_close=options.LEDGER_TIMEOUT,
            schedule_to_close=EVERY,  # the next run tries again
            retry_policy=options.LEDGER_RETRY,
        )


@workflow.defn(name="CollectionsClose")
class CollectionsCloseWorkflow:
    """An admin's waiver or write-off of a share whose workflow completed in collections
    (`share/{event_id}/close`): the share closes, audited, and the backend hears of it."""

    @workflow.run
    async def run(self, cmd: c.CloseInCollectionsInput) -> str:
        answer = await execute(
            c.ACTIVITIES.close_in_collections,
            cmd,
            summary=f"{cmd.kind} in collections",
            start_to_close=options.LEDGER_TIMEOUT,
            retry_policy=options.LEDGER_RETRY,
        )
        await deliver_standing(cmd.user_id, give_up=options.STANDING_GIVE_UP)
        return answer
