"""The daily schedule of the IP-list refresh, for whoever applies schedules (ops CLI, dev stack).

Only when a source is configured: without one the refresh has nothing to download, and
the lists in IP_INTEL_DIR (or the shipped samples) stay as they are.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
)

from config.settings import Settings
from workflows.ip_intel import SCHEDULE_ID, WORKFLOW_ID, IpIntelRefreshWorkflow

__all__ = ["SCHEDULE_ID", "ip_intel_schedule"]


def ip_intel_schedule(settings: Settings) -> Schedule | None:
    if not settings.ip_intel_sources and not settings.email_list_sources:
        return None
    return Schedule(
        action=ScheduleActionStartWorkflow(
            IpIntelRefreshWorkflow.run, id=WORKFLOW_ID, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1))]),
    )
