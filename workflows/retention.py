"""The daily retention run: one activity deletes or pseudonymises what has expired.

Started by the `retention-daily` schedule (workers/retention_schedule.py) with the
scheduled time as `as_of`, so a run that starts late removes what had expired by then.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.retention.contracts import SWEEP_RETENTION, RetentionRequest, RetentionSwept

SCHEDULE_ID = "retention-daily"
WORKFLOW_ID = "retention"
SWEEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=10,
)


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, request: RetentionRequest) -> RetentionSwept:
        as_of = request.as_of or workflow.now()
        return await workflow.execute_activity(
            SWEEP_RETENTION,
            RetentionRequest(as_of=as_of),
            result_type=RetentionSwept,
            start_to_close_timeout=timedelta(minutes=15),
            retry_policy=SWEEP_RETRY,
            summary="delete or pseudonymise what has expired",
        )
