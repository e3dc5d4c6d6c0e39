"""Scale: many open shares waiting on their timers, and what the worker holds in memory.

The shares are opened at the pace the workers take them (benchmarks/intake.py
`submit_paced`); the burst phase is where thousands arrive at once.

Memory is read from /proc of the dev stack's worker process as shares open and once all of
them wait. It is bounded by the worker's workflow cache (WORKER_MAX_CACHED_WORKFLOWS), not
by the number of open shares: a share waiting on a timer lives in Temporal, not in memory.
"""

from __future__ import annotations

import httpx

from benchmarks import worker_cache
from benchmarks.intake import intake_to_open
from benchmarks.load import say
from benchmarks.procfs import CpuMeter, pss_mb, rss_mb
from benchmarks.sessions import seed_events
from benchmarks.stack import SERVICES, WORKER_PROCESSES, BenchStack
from runtime.deps import Deps

MARKS = (1000, 5000, 10_000)


async def open_shares(
    stack: BenchStack,
    api: httpx.AsyncClient,
    deps: Deps,
    n: int,
    *,
    already_open: int,
    timeout: float,
) -> dict:
    """Opens shares through the API until `n` are open (`already_open` of them, the burst's,
    wait on their ladders already); the worker's memory along the way and at the end."""
    more = max(n - already_open, 0)
    bodies = await seed_events(api, stack.emulator_url, "scale", more)
    worker = stack.pid("worker")
    along: dict[str, float] = {str(already_open): rss_mb(worker)["now"]}
    along_pss: dict[str, float] = {str(already_open): pss_mb(worker)}

    def sample(opened: int) -> None:
        # About every tenth of the way, and at the marks (1k, 5k): enough to show
        # whether memory grows with open shares.
        total, last = already_open + opened, int(list(along)[-1])
        if total - last >= n // 10 or any(last < m <= total for m in MARKS):
            along[str(total)] = rss_mb(worker)["now"]
            along_pss[str(total)] = pss_mb(worker)

    # Paced to what the workers' caches hold: at full size the burst before measured what a
    # backlog of thousands costs, and opening this phase's 5,000 the same way took ten minutes.
    in_flight = stack.settings.worker_max_cached_workflows * WORKER_PROCESSES * 4 // 5
    cpu = CpuMeter(stack.pids(*SERVICES))
    async with worker_cache.counted(stack.worker_metrics_ports) as cache:
        seconds = await intake_to_open(
            api, deps, "scale", bodies, timeout=timeout, on_progress=sample, in_flight=in_flight
        )
    memory, held = rss_mb(worker), pss_mb(worker)
    say(f"scale: {n} open shares ({more} opened in {seconds:.0f}s); worker RSS {memory['now']} MB")
    return {
        "opened": more,
        "open_s": round(seconds, 1),
        # Against intake's: what a share costs with thousands already open.
        "cpu_ms_per_event": cpu.per_item_ms(more or 1),
        "worker_cache": cache(),
        "worker_rss_mb": memory["now"],
        "worker_peak_rss_mb": memory["peak"],
        "worker_rss_mb_largest_process": memory["largest"],
        "worker_rss_mb_by_open_shares": along | {str(n): memory["now"]},
        # What the workers really hold: their shared imports counted once (see procfs.pss_mb).
        "worker_pss_mb": held,
        "worker_pss_mb_by_open_shares": along_pss | {str(n): held},
    }
