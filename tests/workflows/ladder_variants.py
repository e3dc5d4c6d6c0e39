"""Changes deployed with and without `workflow.patched`.

Two ways to add a final notice on day 45 to the ladder while shares are open.

`FinalNoticeUnpatched` just changes the ladder: an open share replaying its history meets a
stage its history never had, and the worker fails it with a nondeterminism error.
`FinalNoticePatched` puts the change behind `workflow.patched`: shares that reached the
ladder before the deploy keep the old one; every share reaching it after walks the new one.
Both register under the production name, as a deployed new version would.
"""

from __future__ import annotations

from dataclasses import fields

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.ladder import Level, Stage, ladder
    from domain.models import ShareView
    from workflows.inbound import ProfitEventIn
    from workflows.patches import Patches
    from workflows.share import ShareWorkflow

FINAL_NOTICE = Stage(45, Level.LOCKED)
FINAL_NOTICE_PATCH = "ladder-final-notice-day-45"


def with_final_notice() -> tuple[Stage, ...]:
    return tuple(sorted((*ladder(), FINAL_NOTICE), key=lambda stage: stage.day))


@workflow.defn(name="ShareWorkflow")
class FinalNoticeUnpatched(ShareWorkflow):
    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    def _stages(self) -> tuple[Stage, ...]:
        return with_final_notice()


@workflow.defn(name="ShareWorkflow")
class FinalNoticePatched(ShareWorkflow):
    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    def _stages(self) -> tuple[Stage, ...]:
        if workflow.patched(FINAL_NOTICE_PATCH):
            return with_final_notice()
        return ladder()


def every_patch_unmarked() -> Patches:
    return Patches(**{f.name: True for f in fields(Patches)})


@workflow.defn(name="ShareWorkflow")
class WorkflowsBranchUnpatched(ShareWorkflow):
    """This version's changes (workflows/patches.py) as they would be deployed without
    `workflow.patched`: the new behaviour for every share, with no marker in its history."""

    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        return await super().run(event)

    def _read_patches(self) -> Patches:
        return every_patch_unmarked()
