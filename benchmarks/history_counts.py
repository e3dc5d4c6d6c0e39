"""What one share costs Temporal, read from its own history: workflow tasks, activities,
markers (local activities and patches) and events. Issue 20 asks for these before and after
each change; the figures of each round are in docs/performance.md."""

from __future__ import annotations

from collections import Counter
from statistics import median_low

from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.client import Client

from workflows.ids import share_workflow_id

_COUNTED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_tasks",
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: "workflow_task_timeouts",
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: "workflow_task_failures",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    # Local activities and workflow.patched both leave markers; patch markers are free.
    EventType.EVENT_TYPE_MARKER_RECORDED: "markers",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signals",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
}
# A workflow task that timed out, by how: never picked up in time from a worker's sticky
# queue (the task then goes to any worker, which replays the workflow), or picked up and not
# finished within its timeout (the task is handed out again).
_TIMEOUT_KINDS = {
    TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START: "workflow_task_timeouts_waiting",
    TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE: "workflow_task_timeouts_running",
}
# What the markers are, by the SDK's marker names.
_MARKERS = {"core_local_activity": "local_activities", "core_patch": "patch_markers"}
# One share paid early as "ShareWorkflow" ran it at the end of round 2 (docs/performance.md),
# before the lean ShareWorkflowV3: the "before" of issue 20's before/after.
BEFORE_LEAN = {"events": 108, "workflow_tasks": 14, "activities": 12, "markers": 10}


async def share_costs(client: Client, event_id: str) -> dict[str, int]:
    """Counts of the history events that cost a round trip, for one share's workflow."""
    counts: Counter[str] = Counter()
    total = 0
    async for event in client.get_workflow_handle(
        share_workflow_id(event_id)
    ).fetch_history_events():
        total += 1
        if (name := _COUNTED.get(event.event_type)) is not None:
            counts[name] += 1
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
            kind = event.workflow_task_timed_out_event_attributes.timeout_type
            counts[_TIMEOUT_KINDS.get(kind, "workflow_task_timeouts_other")] += 1
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = event.marker_recorded_event_attributes.marker_name
            counts[_MARKERS.get(marker, "other_markers")] += 1
    names = [*_COUNTED.values(), *_TIMEOUT_KINDS.values(), *_MARKERS.values()]
    return {"events": total, **{name: counts[name] for name in names}}


async def before_after(client: Client, event_ids: list[str]) -> dict[str, object]:
    """`per_share` of the bench: this run's shares beside the figures before issue 20. The
    median of each count over `event_ids`, and the range of events and workflow tasks: the
    same workflow takes one task more when two activities complete apart than together."""
    samples = [await share_costs(client, event_id) for event_id in event_ids]
    keys = sorted({key for sample in samples for key in sample})
    after = {key: median_low([sample.get(key, 0) for sample in samples]) for key in keys}
    spread = {}
    for key in ("events", "workflow_tasks"):
        counts = [sample.get(key, 0) for sample in samples]
        spread[key] = [min(counts), max(counts)]
    return {"before": BEFORE_LEAN, "after": after, "after_range": spread, "shares": len(samples)}


async def summed_costs(client: Client, event_ids: list[str]) -> dict[str, int]:
    """The same counts added up over several shares (e.g. a sample of a burst)."""
    total: Counter[str] = Counter()
    for event_id in event_ids:
        total.update(await share_costs(client, event_id))
    return dict(total)
