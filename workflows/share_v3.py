"""The share workflow as new shares start it: "ShareWorkflowV3".

The same code as ShareWorkflow with every change of workflows/patches.py on from the first
step, `lean` included (the short ledger writes as local activities), and no patch marker in
its history: the workflow type is the version, so a share pays no marker per change.
"ShareWorkflow" stays registered beside it for the shares started before, and both answer
the same signals and queries (the handlers are inherited), so the API messages a share by
its id whichever type it runs.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import ShareView
    from workflows.inbound import ProfitEventIn
    from workflows.patches import Patches
    from workflows.share import ShareWorkflow

WORKFLOW_TYPE = "ShareWorkflowV3"


@workflow.defn(name=WORKFLOW_TYPE)
class ShareWorkflowV3(ShareWorkflow):
    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    def _read_patches(self) -> Patches:
        return Patches.current()
