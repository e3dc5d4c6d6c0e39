"""A worker for the share workflow on the time-skipping server, and the driver of its shares."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.driver import ShareDriver
from workers.worker import build_worker


@pytest.fixture
def wf_settings(settings, emulator_url, task_queue):
    return settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue})


@pytest.fixture
async def worker(time_skipping_env, deps, wf_settings) -> AsyncIterator[None]:
    async with build_worker(time_skipping_env.client, deps, wf_settings):
        yield


@pytest.fixture
def driver(time_skipping_env, deps, emulator_url, task_queue, worker) -> ShareDriver:
    return ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
