"""The report schedules (Temporal Schedules), created or brought up to date idempotently.

`profitshare schedules apply` and the dev stack call `apply`; running it again changes
nothing but the definitions, and keeps a pause that ops set in the Temporal UI.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config.settings import Settings
from domain.reports import ReportKind
from runtime.audit_anchor_schedule import SCHEDULE_ID as AUDIT_ANCHOR_SCHEDULE_ID
from runtime.audit_anchor_schedule import audit_anchor_schedule
from runtime.ip_intel_schedule import SCHEDULE_ID as IP_INTEL_SCHEDULE_ID
from runtime.ip_intel_schedule import ip_intel_schedule
from runtime.retention_schedule import SCHEDULE_ID as RETENTION_SCHEDULE_ID
from runtime.retention_schedule import retention_schedule
from workflows.reconciler import EVERY as RECONCILE_EVERY
from workflows.reconciler import SCHEDULE_ID as RECONCILER_SCHEDULE_ID
from workflows.reconciler import WORKFLOW_ID as RECONCILER_WORKFLOW_ID
from workflows.reconciler import PaymentReconcilerWorkflow
from workflows.reports import ReportRequest, ReportWorkflow

MONDAY = 1


@dataclass(frozen=True)
class ReportSchedule:
    id: str
    kind: ReportKind
    summary: str
    calendar: ScheduleCalendarSpec
    # A run missed while Temporal was down is still made if it comes back within this window.
    catchup: timedelta


SCHEDULES = (
    ReportSchedule(
        id="report-overdue-daily",
        kind="overdue",
        summary="daily overdue report, 06:00 UTC",
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(6)], comment="daily 06:00 UTC"),
        catchup=timedelta(hours=12),
    ),
    ReportSchedule(
        id="report-fraud-weekly",
        kind="fraud",
        summary="weekly fraud analysis, Mondays 06:30 UTC",
        calendar=ScheduleCalendarSpec(
            day_of_week=[ScheduleRange(MONDAY)],
            hour=[ScheduleRange(6)],
            minute=[ScheduleRange(30)],
            comment="Mondays 06:30 UTC",
        ),
        catchup=timedelta(days=2),
    ),
    ReportSchedule(
        id="report-trust-monthly",
        kind="trust",
        summary="monthly trust-score review, the 1st at 07:00 UTC",
        calendar=ScheduleCalendarSpec(
            day_of_month=[ScheduleRange(1)], hour=[ScheduleRange(7)], comment="1st, 07:00 UTC"
        ),
        catchup=timedelta(days=3),
    ),
)


def schedule_for(report: ReportSchedule, settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReportWorkflow.run,
            ReportRequest(kind=report.kind),
            # The schedule appends the scheduled time: report-overdue-2026-11-22T06:00:00Z.
            id=f"report-{report.kind}",
            task_queue=settings.task_queue,
            execution_timeout=timedelta(hours=1),
            static_summary=report.summary,
        ),
        spec=ScheduleSpec(calendars=[report.calendar], time_zone_name="UTC"),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=report.catchup),
    )


def wanted_schedules(settings: Settings) -> dict[str, Schedule]:
    """Every schedule of the system: the reports, the audit anchor, retention, and the IP-list
    refresh when configured."""
    wanted = {report.id: schedule_for(report, settings) for report in SCHEDULES}
    wanted[AUDIT_ANCHOR_SCHEDULE_ID] = audit_anchor_schedule(settings)
    wanted[RETENTION_SCHEDULE_ID] = retention_schedule(settings)
    wanted[RECONCILER_SCHEDULE_ID] = Schedule(
        action=ScheduleActionStartWorkflow(
            PaymentReconcilerWorkflow.run, id=RECONCILER_WORKFLOW_ID, task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=RECONCILE_EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    refresh = ip_intel_schedule(settings)
    if refresh is not None:
        wanted[IP_INTEL_SCHEDULE_ID] = refresh
    return wanted


async def apply(client: Client, settings: Settings) -> dict[str, str]:
    """Creates each schedule, or updates it in place; returns {id: created|updated}."""
    outcome = {}
    for schedule_id, wanted in wanted_schedules(settings).items():
        try:
            await client.create_schedule(schedule_id, wanted)
            outcome[schedule_id] = "created"
        except ScheduleAlreadyRunningError:

            def keep_state(
                current: ScheduleUpdateInput, wanted: Schedule = wanted
            ) -> ScheduleUpdate:
                # Paused by ops (with a note) stays paused: apply owns the definition only.
                state = current.description.schedule.state
                return ScheduleUpdate(schedule=dataclasses.replace(wanted, state=state))

            await client.get_schedule_handle(schedule_id).update(keep_state)
            outcome[schedule_id] = "updated"
    return outcome
