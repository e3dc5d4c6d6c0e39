"""What the workers' sticky caches did during a phase, from the Temporal SDK's own metrics.

A workflow task for a workflow in its worker's cache runs on the state in memory (a hit).
One for a workflow the cache no longer holds makes the worker fetch the whole history from
Temporal and replay it (a miss): CPU in both. Session 9 found a burst's extra cost here: with
400 shares opening at once, the workflows with work still to do outgrew the two workers'
caches, and every task missed. The bench reads the counters before and after each phase.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from prometheus_client.parser import text_string_to_metric_families

# The SDK's counters (summed over workflow types and worker processes) and our names.
_COUNTERS = {
    "temporal_sticky_cache_hit": "hits",
    "temporal_sticky_cache_miss": "misses",
    "temporal_sticky_cache_total_forced_eviction": "forced_evictions",
}


def read_counters(texts: list[str]) -> dict[str, float]:
    """The cache counters out of each worker process's Prometheus text."""
    totals = dict.fromkeys(_COUNTERS.values(), 0.0)
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if (name := _COUNTERS.get(sample.name.removesuffix("_total"))) is not None:
                    totals[name] += sample.value
    return totals


async def scrape(ports: list[int]) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=10) as http:
        texts = [(await http.get(f"http://127.0.0.1:{port}/metrics")).text for port in ports]
    return read_counters(texts)


@asynccontextmanager
async def counted(ports: list[int]) -> AsyncIterator[Callable[[], dict[str, float]]]:
    """The counters' growth while the block runs: hits, misses, forced evictions and the
    share of workflow tasks that missed. Read the figures after the block."""
    before = await scrape(ports)
    figures: dict[str, float] = {}
    try:
        yield lambda: figures
    finally:
        after = await scrape(ports)
        figures.update({name: round(after[name] - before[name]) for name in after})
        tasks = figures["hits"] + figures["misses"]
        figures["miss_ratio"] = round(figures["misses"] / tasks, 3) if tasks else 0.0
