"""The audit anchor's schedule and reading the newest anchor back (for `audit verify`)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowExecutionStatus,
)

from activities.audit.contracts import AuditAnchor
from config.settings import Settings
from db.integrity import ChainHead
from workflows.audit_anchor import (
    EVERY,
    SCHEDULE_ID,
    WORKFLOW_ID,
    WORKFLOW_TYPE,
    AuditAnchorWorkflow,
)

__all__ = ["SCHEDULE_ID", "audit_anchor_schedule", "latest_anchor"]


def audit_anchor_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AuditAnchorWorkflow.run,
            id=WORKFLOW_ID,
            task_queue=settings.task_queue,
            static_summary="checkpoint the audit chains' heads",
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def latest_anchor(client: Client) -> tuple[AuditAnchor, dict[int, ChainHead]] | None:
    """The newest completed anchor run's heads, or None when none is kept (history expired)."""
    query = f"WorkflowType = '{WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'"
    newest = None
    async for execution in client.list_workflows(query):
        if execution.status != WorkflowExecutionStatus.COMPLETED or execution.close_time is None:
            continue
        if newest is None or newest.close_time is None or execution.close_time > newest.close_time:
            newest = execution
    if newest is None:
        return None
    handle = client.get_workflow_handle(newest.id, run_id=newest.run_id, result_type=AuditAnchor)
    anchor = await handle.result()
    return anchor, {h.chain: ChainHead(h.chain, h.length, h.head_hash) for h in anchor.heads}
