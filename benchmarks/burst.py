"""A burst: many profit events at once (sessions ending together at the top of the hour).

Intake must keep answering 202 at once whatever the backlog, and the backlog must drain at
the steady rate: a worker that takes more workflow tasks than its core can run makes each
one slower, past its timeout, and Temporal hands the same task out again (issue 20).
The drain curve is the count of open shares over time; timeouts and redone tasks are read
from the worker's log and from a sample of the burst's own histories.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from temporalio.client import Client

from benchmarks import lock_waits, worker_cache
from benchmarks.history_counts import summed_costs
from benchmarks.intake import count_shares, post_event
from benchmarks.latency import percentiles
from benchmarks.load import bounded, in_background, per_second, say, wait_for_count
from benchmarks.procfs import CpuMeter
from benchmarks.sessions import seed_events
from benchmarks.stack import SERVICES, BenchStack
from db import admission
from runtime.deps import Deps

# All at once, as far as one client can: far more than the steady phase's concurrency.
BURST_CONCURRENCY = 256
HISTORY_SAMPLE = 100
QUEUE_SAMPLE_S = 5.0
PROBE_EVERY_S = 5.0
PROBES = 100  # enough for a drain of 8 minutes
# What the Python SDK logs when a workflow task ran too long, and what the worker hears when
# it completes a task that the server already timed out and handed out again.
SLOW_TASK = "TMPRL1104"
TASK_REDONE = "Workflow task not found"


async def burst(
    stack: BenchStack,
    api: httpx.AsyncClient,
    deps: Deps,
    client: Client,
    n: int,
    *,
    steady_per_s: float,
    timeout: float,
) -> dict:
    bodies = await seed_events(api, stack.emulator_url, "burst", n)
    probes = await seed_events(api, stack.emulator_url, "probe", PROBES)
    log = stack.data_dir / "logs" / "worker.log"
    log_start = log.stat().st_size if log.exists() else 0
    answers_s: list[float] = []

    async def post(body: dict) -> None:
        sent = time.perf_counter()
        try:
            await post_event(api, body)
        finally:
            answers_s.append(time.perf_counter() - sent)

    say(f"burst: {n} profit events at once")
    started = time.perf_counter()
    curve: dict[str, int] = {}

    def sample(opened: int) -> None:
        curve[str(round(time.perf_counter() - started))] = opened

    cpu = CpuMeter(stack.pids(*SERVICES))
    async with (
        lock_waits.sampled(deps) as waits,
        _queue_sampled(deps, started) as queued,
        _probed(stack, api, probes, started) as lone_answers,
        worker_cache.counted(stack.worker_metrics_ports) as cache,
    ):
        await bounded(bodies, post, concurrency=BURST_CONCURRENCY)
        accepted_s = time.perf_counter() - started
        await wait_for_count(
            lambda: count_shares(deps, "burst", "open"),
            n,
            label="burst open",
            timeout=timeout,
            on_progress=sample,
        )
    seconds = time.perf_counter() - started
    curve[str(round(seconds))] = n
    cpu_open = cpu.per_item_ms(n)
    settle_s = await cpu.settled()
    drain_per_s = per_second(n, seconds)
    sample_ids = [b["event_id"] for b in bodies[:: max(1, n // HISTORY_SAMPLE)]]
    costs = await summed_costs(client, sample_ids)
    worker_log = _read_from(log, log_start)
    return {
        "events": n,
        "accepted_s": round(accepted_s, 1),
        "intake_answer_ms": percentiles(answers_s),
        # One event at a time on a connection of its own, every PROBE_EVERY_S through the
        # burst: what a backend sees whatever the backlog, without the burst's own 256
        # requests ahead of it in line (seconds since the burst began -> ms).
        "lone_intake_answer_ms": percentiles([ms / 1000 for ms in lone_answers.values()])
        if lone_answers
        else {},
        "lone_intake_answer_ms_by_s": lone_answers,
        "drain_s": round(seconds, 1),
        "drain_per_min": round(drain_per_s * 60, 1),
        "ratio_to_steady": round(drain_per_s / steady_per_s, 3) if steady_per_s else 0.0,
        "drain_curve_open_by_s": curve,
        # Intake admission (api/admission.py): at most the window opening, the rest queued.
        "intake_window": stack.settings.intake_window,
        "queued_peak": max(queued.values(), default=0),
        "queued_by_s": queued,
        # Against intake's: what a share costs more when thousands are in flight at once.
        "cpu_ms_per_event": cpu_open,
        "cpu_ms_per_event_settled": cpu.per_item_ms(n),  # as intake's: until all is quiet
        "settle_s": settle_s,
        "task_timeouts": costs.get("workflow_task_timeouts", 0),
        # Waiting: a task left on a busy worker's sticky queue past its schedule-to-start
        # timeout; running: a task that outran its start-to-close timeout.
        "task_timeouts_waiting": costs.get("workflow_task_timeouts_waiting", 0),
        "task_timeouts_running": costs.get("workflow_task_timeouts_running", 0),
        "tasks_redone": worker_log.count(TASK_REDONE),
        "slow_task_warnings": worker_log.count(SLOW_TASK),
        "histories_sampled": len(sample_ids),
        "postgres_lock_waits": waits.figures(n),
        # A miss is a workflow replayed from its whole history: the burst's in-flight shares
        # must fit in the workers' caches (INTAKE_WINDOW; benchmarks/worker_cache.py).
        "worker_cache": cache(),
    }


@asynccontextmanager
async def _probed(
    stack: BenchStack, api: httpx.AsyncClient, bodies: list[dict], started: float
) -> AsyncIterator[dict[str, float]]:
    """Posts `bodies` one at a time, every PROBE_EVERY_S, while the block runs."""
    answers: dict[str, float] = {}

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=stack.api_url, headers=api.headers) as lone:
            for body in bodies:
                sent = time.perf_counter()
                await post_event(lone, body)
                answers[str(round(sent - started))] = round((time.perf_counter() - sent) * 1000, 1)
                await asyncio.sleep(PROBE_EVERY_S)

    async with in_background(probe()):
        yield answers


@asynccontextmanager
async def _queue_sampled(deps: Deps, started: float) -> AsyncIterator[dict[str, int]]:
    """The intake queue's length every QUEUE_SAMPLE_S while the block runs."""
    curve: dict[str, int] = {}

    async def sample() -> None:
        while True:
            async with deps.sessions() as s:
                curve[str(round(time.perf_counter() - started))] = await admission.queued_count(s)
            await asyncio.sleep(QUEUE_SAMPLE_S)

    async with in_background(sample()):
        yield curve


def _read_from(path: Path, offset: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")
