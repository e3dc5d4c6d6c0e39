"""The benchmark's console phase works against a served console (its figures: the bench)."""

from __future__ import annotations

from benchmarks.console import page_latency, pages
from tests.support.scenario import share_in as _share_in
from tests.support.scenario import submit_event as _submit


async def test_the_bench_renders_every_console_page(api, worker, deps, emulator_url, console_url):
    event_id = await _submit(api, deps, emulator_url, profit="1000", reported="1000")
    share = await _share_in(api, event_id, "open")
    figures = await page_latency(console_url, "test-admin", event_id, share["user_id"], 2)
    assert set(pages(event_id, share["user_id"])) <= figures.keys()
    assert figures["slowest_p95"] > 0
