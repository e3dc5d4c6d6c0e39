"""PostgreSQL stops for 30 s while profit events and payments arrive and workflows are midway.

During the outage every request gets the contract's 503 and nothing is half-done; the
backend and the gateways retry afterwards and the workflows' activities retry on their own.
In the end every event has one share, every payment counts once, and the books balance.
This test owns its PostgreSQL server, so stopping it touches no other test.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from db.migrate import upgrade
from runtime.deps import Deps
from stack.postgres import (
    create_database,
    restart_embedded,
    shutdown_embedded,
    start_embedded,
    stop_embedded,
)
from tests.support.api import BACKEND, OPS, in_process, standard_callback
from tests.support.reconcile import reconcile
from tests.support.scenario import event_body, eventually, submit_events, wait_open
from workers.worker import build_worker

pytestmark = pytest.mark.slow
OUTAGE_S = 30


@pytest.fixture
def pgdata() -> Iterator[Path]:
    scratch = Path(tempfile.mkdtemp(prefix="ps-outage-"))
    yield scratch / "pgdata"
    shutdown_embedded(scratch / "pgdata")
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
async def own_deps(pgdata, api_settings) -> AsyncIterator[Deps]:
    url = create_database(start_embedded(pgdata), f"outage_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    deps = Deps.from_settings(api_settings.model_copy(update={"database_url": url}), pool_size=5)
    yield deps
    await deps.close()


@pytest.fixture
async def api(own_deps, api_settings, time_skipping_env) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_settings, deps=own_deps, temporal=time_skipping_env.client)
    async with in_process(app) as http:
        yield http


def _payment(share: dict) -> tuple[bytes, dict]:
    txn = f"outage_{share['event_id'][-10:]}"
    return standard_callback(share["payment_reference"], txn, share["amount_due"])


async def _status(api, event_id: str) -> str | None:
    response = await api.get(f"/v1/shares/{event_id}", headers=OPS)
    return response.json()["status"] if response.status_code == 200 else None


async def test_a_30_second_outage_loses_and_doubles_nothing(
    api, own_deps, pgdata, api_settings, time_skipping_env, emulator_url
):
    env, deps = time_skipping_env, own_deps
    during = [await event_body(deps, emulator_url) for _ in range(2)]  # sent while it is down
    async with build_worker(env.client, deps, api_settings):
        shares = await wait_open(api, await submit_events(api, deps, emulator_url, 2), timeout=30)
        # These workflows are midway when the database goes.
        midway = await submit_events(api, deps, emulator_url, 2)

        stop_embedded(pgdata)
        stopped = time.monotonic()
        callbacks = [_payment(share) for share in shares]
        refused = [
            await api.post("/v1/webhooks/standard", content=b, headers=h) for b, h in callbacks
        ]
        refused += [await api.post("/v1/profit-events", json=b, headers=BACKEND) for b in during]
        refused.append(await api.get(f"/v1/shares/{shares[0]['event_id']}", headers=OPS))
        assert [r.status_code for r in refused] == [503] * 5
        assert {r.json()["error"]["code"] for r in refused} == {"unavailable"}
        await asyncio.sleep(OUTAGE_S - (time.monotonic() - stopped))
        restart_embedded(pgdata)

        async def accepted(body):
            response = await api.post("/v1/profit-events", json=body, headers=BACKEND)
            return response.status_code if response.status_code < 500 else None

        async def delivered(callback):
            response = await api.post(
                "/v1/webhooks/standard", content=callback[0], headers=callback[1]
            )
            return response.json()["result"] if response.status_code == 200 else None

        # The backend and the gateway retry what got a 503: nothing of it had been recorded.
        assert [await eventually(lambda b=b: accepted(b), timeout=30) for b in during] == [202, 202]
        assert [await eventually(lambda c=c: delivered(c), timeout=30) for c in callbacks] == [
            "applied",
            "applied",
        ]
        # The activities that failed meanwhile retry on their backoff timers: skip to them.
        await env.sleep(timedelta(minutes=2))
        event_ids = [s["event_id"] for s in shares] + midway + [b["event_id"] for b in during]

        async def settled():
            statuses = [await _status(api, e) for e in event_ids]
            return statuses if statuses == ["paid"] * 2 + ["open"] * 4 else None

        await eventually(settled, timeout=60)
        report = await reconcile(deps, env.client, event_ids)
    assert report.problems == [] and report.balanced
    assert report.paid == sum(Decimal(s["amount_due"]) for s in shares)
    assert report.due == 4 * Decimal("142.50")  # 150.00 each, inside the discount window
