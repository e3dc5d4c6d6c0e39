"""The report workflow: one run per scheduled report (overdue daily, fraud weekly, trust monthly).

A Temporal Schedule starts it (runtime/schedules.py); `as_of` defaults to the moment the run
starts, which for a scheduled run is its scheduled time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import Model
    from domain.reports import ReportKind
    from workflows.calls import execute

# Reading every open share can take a while on a large ledger; the database comes back.
REPORT_TIMEOUT = timedelta(minutes=10)
REPORT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=20,
)


class ReportRequest(Model):
    kind: ReportKind
    as_of: datetime | None = None


@workflow.defn(name="ReportWorkflow")
class ReportWorkflow:
    @workflow.run
    async def run(self, request: ReportRequest) -> c.ReportSummary:
        as_of = request.as_of or workflow.now()
        workflow.set_current_details(f"building the **{request.kind}** report as of {as_of}")
        summary = await execute(
            c.ACTIVITIES.generate_report,
            c.GenerateReportInput(kind=request.kind, as_of=as_of),
            summary=f"build the {request.kind} report",
            start_to_close=REPORT_TIMEOUT,
            retry_policy=REPORT_RETRY,
        )
        workflow.set_current_details(
            f"**{summary.kind}** report `{summary.period}`: {summary.headline}\n\n"
            f"GET /v1/reports/{summary.kind}/{summary.period}"
        )
        return summary
