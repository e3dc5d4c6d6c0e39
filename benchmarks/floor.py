"""Bare Temporal throughput on the benchmark's server: what our workflows are compared with.

Each figure is N workflows started with the same bounded concurrency as our own load, timed
from the first start to the last completion, so backlog and drain count the same way.
"""

from __future__ import annotations

import sys
import time
import uuid

from temporalio.client import Client, WorkflowHandle

from benchmarks import floor_worker as fw
from benchmarks.load import bounded, per_second, say
from benchmarks.procfs import CpuMeter
from benchmarks.stack import BenchStack


async def _start(client: Client, workflow: str, run: str, n: int) -> list[WorkflowHandle]:
    async def start(i: int) -> WorkflowHandle:
        return await client.start_workflow(
            workflow, id=f"floor/{run}/{workflow}/{i}", task_queue=fw.TASK_QUEUE
        )

    return await bounded(range(n), start)


async def _throughput(client: Client, workflow: str, n: int) -> float:
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    handles = await _start(client, workflow, run, n)
    await bounded(handles, lambda h: h.result())
    return per_second(n, time.perf_counter() - started)


async def _signal_throughput(client: Client, n: int) -> float:
    """Signal → completion: the workflows already wait; only the signals are timed."""
    handles = await _start(client, "FloorSignal", uuid.uuid4().hex[:8], n)
    await bounded(handles, lambda h: h.describe())  # every one exists before the clock starts
    started = time.perf_counter()
    await bounded(handles, lambda h: h.signal("done"))
    await bounded(handles, lambda h: h.result())
    return per_second(n, time.perf_counter() - started)


async def measure_floor(stack: BenchStack, client: Client, n: int) -> dict[str, float]:
    stack.start("floor-worker", [sys.executable, "-m", "benchmarks.floor_worker"])
    try:
        # A short warm-up: the worker connects and the server creates the task queue.
        await _throughput(client, "FloorEmpty", min(20, n))
        say(f"floor: {n} empty workflows")
        empty = await _throughput(client, "FloorEmpty", n)
        say(f"floor: {n} one-activity workflows")
        cpu = CpuMeter(stack.pids("temporal", "floor-worker"))
        one_activity = await _throughput(client, "FloorOneActivity", n)
        one_activity_cpu = cpu.per_item_ms(n)
        say(f"floor: {n} signals")
        signal = await _signal_throughput(client, n)
    finally:
        stack.supervisor.stop("floor-worker")
    return {
        "empty_wf_per_s": empty,
        "one_activity_wf_per_s": one_activity,
        "signal_per_s": signal,
        "one_activity_cpu_ms_per_wf": one_activity_cpu,
    }
