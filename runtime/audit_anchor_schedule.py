"""The audit anchor's schedule and reading the anchors back (for `audit verify`)."""

from __future__ import annotations

import asyncio

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowExecution,
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

# A retention of 30 days keeps some 4,300 runs (one per 10 minutes): read a few at a time.
READ_AT_ONCE = 16

__all__ = ["SCHEDULE_ID", "audit_anchor_schedule", "kept_anchors", "latest_anchor"]


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


async def kept_anchors(client: Client) -> list[tuple[AuditAnchor, dict[int, ChainHead]]]:
    """Every completed anchor run Temporal still keeps (its retention), newest first. All of
    them, not the newest only: a run taken after someone cut a chain copies the cut chain,
    and only an older run shows what was there."""
    query = f"WorkflowType = '{WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'"
    runs = [
        execution
        async for execution in client.list_workflows(query)
        if execution.status == WorkflowExecutionStatus.COMPLETED
        and execution.close_time is not None
    ]
    runs.sort(key=lambda run: run.close_time, reverse=True)  # type: ignore[arg-type,return-value]
    limit = asyncio.Semaphore(READ_AT_ONCE)

    async def read(run: WorkflowExecution) -> tuple[AuditAnchor, dict[int, ChainHead]]:
        async with limit:
            handle = client.get_workflow_handle(run.id, run_id=run.run_id, result_type=AuditAnchor)
            anchor = await handle.result()
        return anchor, {h.chain: ChainHead(h.chain, h.length, h.head_hash) for h in anchor.heads}

    return list(await asyncio.gather(*(read(run) for run in runs)))


async def latest_anchor(client: Client) -> tuple[AuditAnchor, dict[int, ChainHead]] | None:
    """The newest completed anchor run's heads, or None when none is kept (history expired)."""
    kept = await kept_anchors(client)
    return kept[0] if kept else None
