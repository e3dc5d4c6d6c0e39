"""The bench's load generator: events at the asked rate, stopped with the block, a refused
event fails the run."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from benchmarks.under_load import arriving


def _api(status: int, seen: list[dict]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append({"path": request.url.path})
        return httpx.Response(status, json={})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://api")


async def test_events_arrive_at_the_rate_until_the_block_ends():
    seen: list[dict] = []
    async with _api(202, seen) as api:
        async with arriving(api, [{"i": i} for i in range(1000)], per_s=50) as sent:
            await asyncio.sleep(0.5)
        total = sent()
        await asyncio.sleep(0.2)
    assert 15 <= total <= 35  # about 25 in half a second
    assert len(seen) == total  # every one sent was posted, none after the block
    assert {s["path"] for s in seen} == {"/v1/profit-events"}


async def test_a_refused_event_fails_the_run():
    async with _api(503, []) as api:
        with pytest.raises(RuntimeError, match="intake answered 503"):
            async with arriving(api, [{"i": 1}], per_s=100):
                await asyncio.sleep(0.1)
