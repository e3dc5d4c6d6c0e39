"""The bench's load generator: events at the asked rate, stopped with the block, a refused
event fails the run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from benchmarks.under_load import arriving, arriving_from_elsewhere
from tests.support.http_server import QuietHandler, serving


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


class _Intake(QuietHandler):
    status = 202
    posted: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).posted.append(self.headers["Authorization"])
        self.send_response(self.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def intake_server():
    """A real HTTP server: the load's process reaches it over the loopback."""
    _Intake.status, _Intake.posted = 202, []
    with serving(_Intake) as url:
        yield url


async def test_from_another_process_the_events_arrive_until_the_block_ends(intake_server):
    headers = {"Authorization": "Bearer t"}
    bodies = [{"i": i} for i in range(1000)]
    async with arriving_from_elsewhere(intake_server, headers, bodies, per_s=50) as sent:
        await _until(lambda: sent() >= 10)  # the process has started and is sending
        await asyncio.sleep(0.5)
    total = sent()
    assert 15 <= total < 200  # about 35; the block's end stopped it
    assert len(_Intake.posted) == total  # every one counted was posted, and answered
    assert set(_Intake.posted) == {"Bearer t"}


async def test_from_another_process_a_refused_event_fails_the_run(intake_server):
    _Intake.status = 503
    with pytest.raises(RuntimeError, match="load's process failed"):
        async with arriving_from_elsewhere(intake_server, {}, [{"i": 1}], per_s=100) as sent:
            await _until(lambda: sent() >= 1)


async def _until(condition: Callable[[], bool], timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
