"""The retention workflow runs its sweep at the time it is given, and the schedule is daily."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.retention.contracts import RetentionRequest
from db import audit
from runtime.retention_schedule import retention_schedule
from workflows.retention import RetentionWorkflow


async def test_a_run_sweeps_as_of_its_time_and_is_audited(
    time_skipping_env, deps, wf_settings, worker
):
    # Long ago: nothing in the test database is that old, so the run removes nothing.
    as_of = datetime(2001, 1, 1, 3, 0, tzinfo=UTC)
    swept = await time_skipping_env.client.execute_workflow(
        RetentionWorkflow.run,
        RetentionRequest(as_of=as_of),
        id=f"retention-test-{as_of.isoformat()}",
        task_queue=wf_settings.task_queue,
    )
    assert swept.as_of == as_of
    assert (swept.risk_decisions_deleted, swept.notifications_deleted) == (0, 0)
    async with deps.sessions() as s:
        runs = [e for e in await audit.entries_for(s, "retention") if e.at == as_of]
    assert [e.action for e in runs] == ["retention.swept"]


def test_the_schedule_runs_daily_at_three(wf_settings):
    schedule = retention_schedule(wf_settings)
    calendar = schedule.spec.calendars[0]
    assert [r.start for r in calendar.hour] == [3]
    assert schedule.action.workflow == "RetentionWorkflow"
