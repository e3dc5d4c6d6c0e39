"""The daily retention schedule (03:00 UTC), applied with the report schedules."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from activities.retention.contracts import RetentionRequest
from config.settings import Settings
from workflows.retention import SCHEDULE_ID, WORKFLOW_ID, RetentionWorkflow

__all__ = ["SCHEDULE_ID", "retention_schedule"]


def retention_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionRequest(),
            id=WORKFLOW_ID,
            task_queue=settings.task_queue,
            execution_timeout=timedelta(hours=2),
            static_summary="retention sweep, daily 03:00 UTC",
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(3)], comment="daily 03:00 UTC")],
            time_zone_name="UTC",
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=12)
        ),
    )
