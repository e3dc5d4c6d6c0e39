"""The share workflow as new shares start it: "ShareWorkflowV4".

ShareWorkflowV3 with V4's changes on from the first step (workflows/patches.py V4_ONLY): the
exchange's verification and the FX quote in one activity, and one search-attribute upsert
on the first workflow task. A share costs one activity, one workflow task and one upsert
less (issue 20). V3 and the older "ShareWorkflow" stay registered for the shares they
started; all three answer the same signals, queries and the `pay` update.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import ShareView
    from workflows.inbound import ProfitEventIn
    from workflows.patches import Patches
    from workflows.share_v3 import ShareWorkflowV3

WORKFLOW_TYPE = "ShareWorkflowV4"


@workflow.defn(name=WORKFLOW_TYPE)
class ShareWorkflowV4(ShareWorkflowV3):
    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    def _read_patches(self) -> Patches:
        return Patches.v4()
