"""GET /metrics: what the API saw, and the ledger as it stands, in Prometheus text format."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.metrics import LedgerFigures, Metrics
from tests.support import webhook_samples as samples
from tests.support.api import BACKEND, STANDARD_SECRET
from tests.support.records import recorded_share
from tests.support.scenario import profit_event, register_account


async def _scrape(api) -> dict[tuple[str, tuple], float]:
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def uncached(time_skipping_env, deps, api_settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with a ledger read on every scrape (no cache), to follow the database."""
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    app.state.metrics = Metrics(ledger=LedgerFigures(ttl=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_ledger_figures_follow_the_database(uncached, deps):
    api = uncached
    before = await _scrape(api)
    await recorded_share(deps, days_ago=1, paid="10.00")  # open, with one applied payment
    after = await _scrape(api)
    assert _value(after, "profitshare_ledger_up") == 1
    open_shares = _value(after, "profitshare_shares", status="open")
    assert open_shares == _value(before, "profitshare_shares", status="open") + 1
    applied = _value(after, "profitshare_payments_applied_total", provider="standard")
    assert applied == _value(before, "profitshare_payments_applied_total", provider="standard") + 1


async def test_webhook_rejections_are_counted_by_reason(api):
    body = samples.standard_payment(f"PS{uuid.uuid4().hex[:14]}", f"txn-{uuid.uuid4().hex}", "9")
    now = datetime.now(UTC)
    forged = samples.signed_headers_standard(body, "whsec_" + "QUJD" * 8, now)
    signed = samples.signed_headers_standard(body, STANDARD_SECRET, now)
    before = await _scrape(api)
    assert (
        await api.post("/v1/webhooks/standard", content=body, headers=forged)
    ).status_code == 401
    unmatched = await api.post("/v1/webhooks/standard", content=body, headers=signed)
    assert unmatched.json() == {"result": "unmatched"}
    after = await _scrape(api)
    for reason in ("signature", "unmatched"):
        labels = {"provider": "standard", "reason": reason}
        name = "profitshare_webhook_rejections_total"
        assert _value(after, name, **labels) == _value(before, name, **labels) + 1, reason


async def test_profit_events_are_counted_new_then_duplicate(api, deps):
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, f"key-{uuid.uuid4().hex}", "secret")
    event = profit_event(
        user, account, start=datetime.now(UTC) - timedelta(hours=2), reported=Decimal("100")
    )
    before = await _scrape(api)
    for expected in (202, 200):
        response = await api.post(
            "/v1/profit-events", json=event.model_dump(mode="json"), headers=BACKEND
        )
        assert response.status_code == expected
    after = await _scrape(api)
    for result in ("new", "duplicate"):
        name = "profitshare_events_received_total"
        assert _value(after, name, result=result) == _value(before, name, result=result) + 1


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_scrapes_within_the_cache_share_one_read_of_the_ledger(deps):
    clock = Clock()
    ledger = LedgerFigures(ttl=10.0, clock=clock)
    await asyncio.gather(*(ledger.refresh(deps.sessions) for _ in range(5)))
    clock.now += 9.9
    await ledger.refresh(deps.sessions)
    assert (ledger.reads, ledger.up) == (1, True)
    clock.now += 0.2
    await ledger.refresh(deps.sessions)
    assert ledger.reads == 2
