"""Intake admission (api/admission.py): with the API's starter running, an event is recorded
and answered at once, and no more shares open together than the window; queued events start
as room opens, after Temporal comes back, and after the process that took them is gone.

Each test has a database of its own: a starter takes every queued event it can see.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from db import admission
from db.models import ProfitEventRow
from runtime.deps import Deps
from stack.processes import free_port
from tests.support.api import BACKEND, in_process
from tests.support.records import queued_event
from tests.support.scenario import event_body, eventually, wait_open
from workers.worker import build_worker
from workflows.ids import share_workflow_id


@pytest.fixture
def own_settings(api_settings, own_database_url):
    return api_settings.model_copy(update={"database_url": own_database_url})


@asynccontextmanager
async def serving(settings, deps: Deps, temporal=None) -> AsyncIterator[httpx.AsyncClient]:
    """The API as its server runs it: the lifespan, and so the starter, runs."""
    app = create_app(settings, deps=deps, temporal=temporal)
    async with app.router.lifespan_context(app), in_process(app) as http:
        yield http


async def _post(api: httpx.AsyncClient, bodies: list[dict]) -> list[int]:
    return [
        (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code
        for body in bodies
    ]


async def _started_and_queued(deps: Deps) -> tuple[int, int]:
    async with deps.sessions() as s:
        started = await s.scalar(select(func.count()).where(ProfitEventRow.started_at.is_not(None)))
        return started or 0, await admission.queued_count(s)


async def test_a_burst_is_answered_at_once_and_opens_a_window_at_a_time(
    own_settings, own_settings_deps, time_skipping_env, emulator_url
):
    env, deps = time_skipping_env, own_settings_deps
    settings = own_settings.model_copy(update={"intake_window": 2})
    bodies = [await event_body(deps, emulator_url) for _ in range(5)]
    async with serving(settings, deps, env.client) as api:
        assert await _post(api, bodies) == [202] * 5
        # No worker yet: the two started stay opening, so the window stays full.
        assert await eventually(lambda: _is(_started_and_queued(deps), (2, 3)))
        await asyncio.sleep(1.5)  # three polls later, still no room
        assert await _started_and_queued(deps) == (2, 3)
        assert await _post(api, bodies[:1]) == [200]  # a repeat of a started event
        assert await _post(api, bodies[-1:]) == [200]  # and of a queued one: still queued
        assert await _started_and_queued(deps) == (2, 3)

        async with build_worker(env.client, deps, settings):
            await wait_open(api, [b["event_id"] for b in bodies], timeout=60)
        assert await _started_and_queued(deps) == (5, 0)


async def test_an_event_taken_while_temporal_is_down_starts_once_it_is_back(
    own_settings, own_settings_deps, time_skipping_env, emulator_url
):
    env, deps = time_skipping_env, own_settings_deps
    nowhere = own_settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    body = await event_body(deps, emulator_url)
    async with serving(nowhere, deps) as api:
        assert await _post(api, [body]) == [202]  # recorded: the answer does not wait
        await asyncio.sleep(1)
        assert await _started_and_queued(deps) == (0, 1)
        assert "profitshare_intake_queued 1.0" in (await api.get("/metrics")).text
    # That API is gone; the next one (any replica) starts what it left queued.
    async with (
        serving(own_settings, deps, env.client) as api,
        build_worker(env.client, deps, own_settings),
    ):
        await wait_open(api, [body["event_id"]], timeout=60)
    assert await _started_and_queued(deps) == (1, 0)


async def test_a_round_that_dies_after_its_starts_leaves_them_queued_and_starts_nothing_twice(
    own_settings, own_settings_deps, time_skipping_env, emulator_url, monkeypatch
):
    env, deps = time_skipping_env, own_settings_deps
    bodies = [await event_body(deps, emulator_url) for _ in range(3)]
    marked = admission.mark_started

    async def dies(*args, **kwargs):
        raise ConnectionError("the process died before its commit")

    monkeypatch.setattr(admission, "mark_started", dies)
    async with serving(own_settings, deps, env.client) as api:
        assert await _post(api, bodies) == [202] * 3
        handles = [env.client.get_workflow_handle(share_workflow_id(b["event_id"])) for b in bodies]

        async def all_started() -> list[str] | None:
            try:
                return [(await h.describe()).run_id for h in handles]
            except Exception:
                return None

        runs = await eventually(all_started)
        assert await _started_and_queued(deps) == (0, 3)  # started, but not marked

        monkeypatch.setattr(admission, "mark_started", marked)
        assert await eventually(lambda: _is(_started_and_queued(deps), (3, 0)))
        assert [(await h.describe()).run_id for h in handles] == runs  # no second run
        async with build_worker(env.client, deps, own_settings):
            await wait_open(api, [b["event_id"] for b in bodies], timeout=60)


async def _is(counts, expected) -> bool:
    return await counts == expected


async def test_an_event_that_cannot_be_read_stays_queued_and_holds_up_nothing(
    own_settings, own_settings_deps, time_skipping_env, emulator_url
):
    env, deps = time_skipping_env, own_settings_deps
    async with deps.sessions.begin() as s:
        # Older than every other, and not a profit event any more.
        earlier = datetime.now(UTC) - timedelta(hours=1)
        s.add(queued_event(deps.cipher, "evt_unreadable", received_at=earlier))
    bodies = [await event_body(deps, emulator_url) for _ in range(2)]
    async with serving(own_settings, deps, env.client) as api:
        assert await _post(api, bodies) == [202] * 2
        assert await eventually(lambda: _is(_started_and_queued(deps), (2, 1)))
        async with build_worker(env.client, deps, own_settings):
            await wait_open(api, [b["event_id"] for b in bodies], timeout=60)
