"""The workflow sandbox: off in the shipped worker (its CPU per share, docs/performance.md), on
in every test, where a workflow calling what breaks replay fails its task at once."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from config.settings import Settings
from tests.workers.clock_probe import ReadsTheWallClock
from workers.worker import workflow_runner


def test_the_shipped_worker_runs_unsandboxed(settings: Settings):
    assert Settings.model_fields["worker_sandbox"].default is False
    shipped = settings.model_copy(update={"worker_sandbox": False})
    assert isinstance(workflow_runner(shipped), UnsandboxedWorkflowRunner)


async def test_in_tests_a_workflow_reading_the_wall_clock_fails_its_task(
    time_skipping_env, settings: Settings, task_queue: str
):
    runner = workflow_runner(settings)
    assert isinstance(runner, SandboxedWorkflowRunner)
    client = time_skipping_env.client
    async with Worker(
        client, task_queue=task_queue, workflows=[ReadsTheWallClock], workflow_runner=runner
    ):
        handle = await client.start_workflow(
            ReadsTheWallClock.run, id=f"clock-{uuid.uuid4()}", task_queue=task_queue
        )
        failure = None
        for _ in range(100):
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    encoded = event.workflow_task_failed_event_attributes.failure
                    failure = str(await client.data_converter.decode_failure(encoded))
            if failure is not None:
                break
            await asyncio.sleep(0.1)
    assert failure is not None and "datetime.datetime.now" in failure
