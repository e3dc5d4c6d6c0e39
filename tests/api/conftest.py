"""The API in-process (httpx ASGI transport) with a real worker on the time-skipping server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.worker import Worker

from api.app import create_app
from tests.support.risk import restore_default_fraud_settings, write_lists
from workers.worker import build_worker

BACKEND = {"Authorization": "Bearer test-backend"}
OPS = {"Authorization": "Bearer test-ops"}
ADMIN = {"Authorization": "Bearer test-admin"}
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(scope="session")
def ip_lists(tmp_path_factory) -> Path:
    """Fresh IP lists (tests/support/risk.py LISTED), so no test depends on the samples' age."""
    return write_lists(tmp_path_factory.mktemp("ip-intel"), as_of=datetime.now(UTC).date())


@pytest.fixture
def api_settings(settings, emulator_url, task_queue, ip_lists):
    return settings.model_copy(
        update={
            "exchange_base_url": emulator_url,
            "task_queue": task_queue,
            "standard_webhook_secret": STANDARD_SECRET,
            "ip_intel_dir": ip_lists,
        }
    )


@pytest.fixture
async def default_fraud_settings(deps) -> AsyncIterator[None]:
    """For tests that change the fraud settings: the defaults are back in force afterwards."""
    await restore_default_fraud_settings(deps)
    yield
    await restore_default_fraud_settings(deps)


@pytest.fixture
async def worker(time_skipping_env, deps, api_settings) -> AsyncIterator[Worker]:
    async with build_worker(time_skipping_env.client, deps, api_settings) as running:
        yield running


@pytest.fixture
async def api(time_skipping_env, deps, api_settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as client:
        yield client
