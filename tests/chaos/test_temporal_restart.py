"""Kill the Temporal dev server (SQLite file) with shares open, start it again: the shares are
still there, mid-ladder, and a payment that arrived while it was down is applied once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from runtime.client import data_converter
from tests.support.api import STANDARD_SECRET, in_process, standard_callback
from tests.support.devserver import DevServer
from tests.support.reconcile import reconcile
from tests.support.scenario import eventually, submit_events, wait_open
from tests.support.workers import worker_process
from workflows.ids import share_workflow_id

pytestmark = pytest.mark.slow
SHARES = 3


@pytest.fixture
def server(tmp_path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "temporal.sqlite")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def restart_settings(settings, emulator_url, task_queue, server):
    return settings.model_copy(
        update={
            "temporal_address": server.address,
            "task_queue": task_queue,
            "exchange_base_url": emulator_url,
            "standard_webhook_secret": STANDARD_SECRET,
        }
    )


@pytest.fixture
async def client(restart_settings) -> Client:
    return await Client.connect(
        restart_settings.temporal_address, data_converter=data_converter(restart_settings)
    )


@pytest.fixture
async def api(restart_settings, deps, client) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(restart_settings, deps=deps, temporal=client)
    async with in_process(app) as http:
        yield http


def _payment(share: dict) -> tuple[bytes, dict]:
    txn = f"restart_{share['event_id'][-10:]}"
    return standard_callback(share["payment_reference"], txn, share["amount_due"])


async def test_shares_survive_a_killed_server_and_a_payment_sent_meanwhile_counts_once(
    server, restart_settings, client, api, deps, emulator_url
):
    worker = worker_process(restart_settings, server.address, sticky=True)
    try:
        shares = await wait_open(api, await submit_events(api, deps, emulator_url, SHARES))
        event_ids = [share["event_id"] for share in shares]
        started = [
            (await client.get_workflow_handle(share_workflow_id(e)).describe()).start_time
            for e in event_ids
        ]

        server.kill()
        early = _payment(shares[0])
        down = await api.post("/v1/webhooks/standard", content=early[0], headers=early[1])
        assert down.status_code == 503 and down.json()["error"]["code"] == "unavailable"

        server.start()

        async def delivered(callback):
            response = await api.post(
                "/v1/webhooks/standard", content=callback[0], headers=callback[1]
            )
            return response.json() if response.status_code == 200 else None

        # The gateway retries the callback that got a 503; the others arrive now.
        assert await eventually(lambda: delivered(early), timeout=60) == {"result": "applied"}
        for share in shares[1:]:
            assert await delivered(_payment(share)) == {"result": "applied"}

        async def all_paid():
            try:
                report = await reconcile(deps, client, event_ids)
            except RPCError as err:
                # A payment's "applied" does not wait for the worker (the webhook answers
                # once the payment is recorded), so the worker may not be polling the
                # restarted server yet: its queries fail until it is.
                if err.status != RPCStatusCode.FAILED_PRECONDITION:
                    raise
                return None
            return report if report.statuses["paid"] == SHARES else None

        report = await eventually(all_paid, timeout=60)
        after = [
            (await client.get_workflow_handle(share_workflow_id(e)).describe()).start_time
            for e in event_ids
        ]
    finally:
        worker.kill()
        worker.wait(10)
    assert after == started  # the same workflow runs, resumed, not new ones
    assert report.problems == [] and report.balanced
    assert report.due == 0 and report.paid == sum(Decimal(s["amount_due"]) for s in shares)
