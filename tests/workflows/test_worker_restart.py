"""Kill -9 the worker while shares are open, start a new one: nothing lost, stages on time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Share
from domain.ladder import Level
from tests.support.scenario import eventually, profitable_session
from tests.support.workers import taken_over, worker_process
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


def _worker_process(settings, env_client) -> subprocess.Popen:
    return worker_process(settings, env_client.service_client.config.target_host)


@pytest.fixture
def wf_settings(settings, emulator_url, task_queue):
    return settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue})


async def test_killed_worker_loses_nothing(time_skipping_env, deps, emulator_url, wf_settings):
    env = time_skipping_env
    worker = _worker_process(wf_settings, env.client)
    try:
        handles, events = [], []
        for _ in range(3):
            event = await profitable_session(deps, emulator_url)
            events.append(event)
            handles.append(
                await env.client.start_workflow(
                    ShareWorkflow.run,
                    event,
                    id=share_workflow_id(event.event_id),
                    task_queue=wf_settings.task_queue,
                )
            )

        async def rows():
            async with deps.sessions() as s:
                return [await s.get(Share, e.event_id) for e in events]

        async def all_open():
            shares = await rows()
            return shares if all(r and r.status == "open" for r in shares) else None

        views = await eventually(all_open, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

        # A new worker takes over. (The time-skipping server will not move time while tasks
        # wait for a worker, so the outage itself lasts real seconds, not days.)
        await asyncio.sleep(1)
        worker = _worker_process(wf_settings, env.client)
        await taken_over(handles)
        day0 = max(v.recorded_at for v in views)
        await env.sleep(day0 + timedelta(days=1, hours=1) - await env.get_current_time())

        async def reminded():
            levels = [r.level for r in await rows()]
            return levels if all(lv == Level.REMINDER for lv in levels) else None

        await eventually(reminded, timeout=60)
        # Killed again mid-ladder, replaced again.
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        worker = _worker_process(wf_settings, env.client)
        await taken_over(handles)
        # The next stage comes at its exact time with the new worker.
        warning_at = max(v.recorded_at for v in views) + timedelta(days=7)
        await env.sleep(warning_at + timedelta(minutes=1) - await env.get_current_time())

        async def warned():
            levels = [r.level for r in await rows()]
            return levels if all(lv == Level.WARNING for lv in levels) else None

        await eventually(warned, timeout=60)
        async with deps.sessions() as s:
            for view in views:
                at = await s.scalar(
                    select(AuditEntry.at).where(
                        AuditEntry.idempotency_key == f"{view.event_id}:day07-warning"
                    )
                )
                due = view.recorded_at + timedelta(days=7)
                assert due <= at <= due + timedelta(minutes=2), (view.event_id, at, due)
                # Exactly one reminder per day despite the crash: no stage lost or repeated.
                reminders = (
                    await s.scalars(
                        select(AuditEntry.idempotency_key).where(
                            AuditEntry.subject == view.event_id,
                            AuditEntry.action == "share.reminder",
                        )
                    )
                ).all()
                assert sorted(reminders) == [
                    f"{view.event_id}:day0{d}-reminder" for d in range(1, 7)
                ]
    finally:
        worker.kill()
        worker.wait(10)
