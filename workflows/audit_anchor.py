"""Checkpoints every audit chain's head outside the database, in this workflow's history.

Started by a Temporal Schedule (SCHEDULE_ID). The run's result (each chain's length and last
hash) lives in Temporal's history, which whoever owns the application's PostgreSQL cannot
rewrite; `profitshare audit verify` reads the newest run's result and finds any chain cut
back behind it (db/integrity.py).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.audit.contracts import READ_AUDIT_HEADS, AuditAnchor

SCHEDULE_ID = "audit-anchor"
WORKFLOW_ID = "audit-anchor"
WORKFLOW_TYPE = "AuditAnchor"
EVERY = timedelta(minutes=10)


@workflow.defn(name=WORKFLOW_TYPE)
class AuditAnchorWorkflow:
    @workflow.run
    async def run(self) -> AuditAnchor:
        return await workflow.execute_activity(
            READ_AUDIT_HEADS,
            result_type=AuditAnchor,
            start_to_close_timeout=timedelta(minutes=1),
            summary="read every audit chain's length and last hash",
        )
