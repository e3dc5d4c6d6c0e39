"""Refreshes the offline IP lists (Tor exits, VPN, proxy, datacenter ranges) from their sources.

Started by a Temporal schedule (SCHEDULE_ID, daily); one activity does the download and the
atomic file writes, retried with backoff while a source is down.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c

SCHEDULE_ID = "ip-intel-refresh-daily"
WORKFLOW_ID = "ip-intel-refresh"
# Lists that are a day late are fine; a source down for hours must not pile up retries.
DOWNLOAD_RETRY = RetryPolicy(
    initial_interval=timedelta(minutes=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=8,
)


@workflow.defn(name="IpIntelRefresh")
class IpIntelRefreshWorkflow:
    @workflow.run
    async def run(self) -> c.IpIntelRefreshed:
        return await workflow.execute_activity(
            c.REFRESH_IP_INTEL,
            result_type=c.IpIntelRefreshed,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=DOWNLOAD_RETRY,
            summary="download the IP lists and replace the files",
        )
