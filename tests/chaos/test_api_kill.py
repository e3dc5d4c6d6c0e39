"""The API process is killed (SIGKILL) with profit events recorded and answered 202 but their
workflows not yet started: the next API process starts every one of them, once.

The window is one share, and no worker runs, so at the kill all but one event wait in the
intake queue: the moment right after the commit, for every event but one.
"""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest
from sqlalchemy import select

from db.models import ProfitEventRow, Share
from db.tokens import new_token
from runtime.deps import Deps
from tests.support.api_process import api_process
from tests.support.scenario import event_body, eventually
from workers.worker import build_worker
from workflows.ids import share_workflow_id

pytestmark = pytest.mark.slow
EVENTS = 8
BACKEND_TOKEN = new_token("backend")


@pytest.fixture
def own_settings(api_settings, own_database_url, dev_server):
    return api_settings.model_copy(
        update={
            "database_url": own_database_url,
            "temporal_address": dev_server.client.service_client.config.target_host,
        }
    )


def _api(settings, *, window: int):
    """The API process on this test's database, Temporal and task queue."""
    return api_process(
        settings,
        tokens=f"backend:{BACKEND_TOKEN}",
        TEMPORAL_ADDRESS=settings.temporal_address,
        TASK_QUEUE=settings.task_queue,
        INTAKE_WINDOW=str(window),
    )


async def _rows(deps: Deps) -> dict[str, bool]:
    """Each event's row: started or still queued."""
    async with deps.sessions() as s:
        rows = await s.execute(select(ProfitEventRow.event_id, ProfitEventRow.started_at))
        return {event_id: started_at is not None for event_id, started_at in rows}


async def test_events_answered_before_a_kill_all_start_once_after_it(
    own_settings, own_settings_deps, dev_server, emulator_url
):
    deps = own_settings_deps
    bodies = [await event_body(deps, emulator_url) for _ in range(EVENTS)]
    backend = {"Authorization": f"Bearer {BACKEND_TOKEN}"}
    async with _api(own_settings, window=1) as (process, url):
        async with httpx.AsyncClient(base_url=url) as api:
            answers = [
                (await api.post("/v1/profit-events", json=b, headers=backend)).status_code
                for b in bodies
            ]
        assert answers == [202] * EVENTS
        assert await eventually(lambda: _started_count(deps, 1))
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 10)
    rows = await _rows(deps)
    assert len(rows) == EVENTS and sum(rows.values()) == 1  # the rest were never started

    first = dev_server.client.get_workflow_handle(
        share_workflow_id(next(e for e, started in rows.items() if started))
    )
    first_run = (await first.describe()).run_id
    async with (
        _api(own_settings, window=100),
        build_worker(dev_server.client, deps, own_settings),
    ):
        assert await eventually(lambda: _all_open(deps), timeout=90)
    assert all((await _rows(deps)).values())
    assert (await first.describe()).run_id == first_run  # started once, not again


async def _started_count(deps: Deps, n: int) -> bool:
    return sum((await _rows(deps)).values()) == n


async def _all_open(deps: Deps) -> bool:
    async with deps.sessions() as s:
        statuses = (await s.scalars(select(Share.status))).all()
    return statuses == ["open"] * EVENTS
