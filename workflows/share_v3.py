"""The share workflow as new shares start it: "ShareWorkflowV3".

The same code as ShareWorkflow with every change of workflows/patches.py on from the first
step, `lean` included (the short ledger writes as local activities), and no patch marker in
its history: the workflow type is the version, so a share pays no marker per change.
"ShareWorkflow" stays registered beside it for the shares started before, and both answer
the same signals and queries (the handlers are inherited), so the API messages a share by
its id whichever type it runs.

One handler is V3's own: the `pay` update, a payment and its answer in one round trip (issue
20, the payment path). The API sends a payment to a V3 share as this update and to an older
share as the `payment` signal, then polls the `answer` query.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import ShareView
    from workflows.inbound import PaymentIn, ProfitEventIn
    from workflows.patches import Patches
    from workflows.share import ShareWorkflow
    from workflows.share_state import payment_key

WORKFLOW_TYPE = "ShareWorkflowV3"


@workflow.defn(name=WORKFLOW_TYPE)
class ShareWorkflowV3(ShareWorkflow):
    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    @workflow.update
    async def pay(self, payment: PaymentIn) -> str:
        """Queues the payment as the `payment` signal does, and answers once the share has
        acted on it: applied, credited, or refused: <why> (a repeat gets the first answer).
        The share completes only after answering it (workflows/closed.py)."""
        self._s.accept_payment(payment)
        key = payment_key(payment)
        await workflow.wait_condition(lambda: key in self._s.answers)
        return self._s.answers[key]

    def _read_patches(self) -> Patches:
        return Patches.current()
