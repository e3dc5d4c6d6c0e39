"""Latency tails under load, with conditions interleaved in one stack.

Usage: `python -m benchmarks.tails baseline|priority|commit_flush [--rounds N] [--per-s R]`;
JSON on stdout.

The bench times its latencies under load in one stretch of one run, and two runs differ by
as much as the machine's speed of the hour (performance.md, sessions 11 to 13). To ask
whether a setting changes the tail, this keeps one stack and one steady load and alternates
the conditions round by round, so whatever the machine does meanwhile falls on each alike.
Each round times the risk assessment (in this process, as the bench does), the standing and
share reads, and two bare round trips that split a tail between the servers: `/healthz`
(the API alone: no database, no rate limit) and `SELECT 1` (PostgreSQL alone). The same
probes are timed once before the load as well, the stack quiet ("before_load").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from contextlib import suppress

import httpx
import psycopg
from sqlalchemy import text

from benchmarks import latency
from benchmarks.intake import intake_to_open
from benchmarks.load import say, stdout_to_stderr
from benchmarks.procfs import CpuMeter, family
from benchmarks.sessions import backend_headers, seed_events
from benchmarks.stack import SERVICES, BenchStack, bench_stack
from benchmarks.under_load import arriving_from_elsewhere
from runtime.collector import freeze_startup
from runtime.deps import Deps
from services.risk.service import RiskService
from stack.postgres import libpq_url

SHARES = 300  # opened first: the users and shares the reads and assessments ask about
RISK_CALLS, READS = 300, 150  # per round and condition
NICE = 10

Condition = Callable[[BenchStack], None]


def renice_family(pid: int, nice: int) -> None:
    """Every thread of the process and its descendants at `nice` (Linux's niceness is a
    thread's own: setting a process's changes its main thread only)."""
    for member in family(pid):
        try:
            threads = os.listdir(f"/proc/{member}/task")
        except OSError:
            continue
        for tid in threads:
            with suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.setpriority(os.PRIO_PROCESS, int(tid), nice)


def _niced(*names: str) -> Condition:
    def apply(stack: BenchStack) -> None:
        for name in ("worker", "temporal"):
            renice_family(stack.pid(name), NICE if name in names else 0)

    return apply


def _synchronous_commit(value: str) -> Condition:
    def apply(stack: BenchStack) -> None:
        url = libpq_url(stack.settings.database_url or "")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET synchronous_commit = {value}")
            conn.execute("SELECT pg_reload_conf()")

    return apply


# Each experiment's first condition is the stack as it runs; the last round leaves it so.
EXPERIMENTS: dict[str, dict[str, Condition]] = {
    # No condition: to compare two commits' tails, run it on each.
    "baseline": {"as_is": lambda stack: None},
    # Are the reads waiting for a core behind the workers (and Temporal)?
    "priority": {
        "as_is": _niced(),
        "workers_niced": _niced("worker"),
        "workers_and_temporal_niced": _niced("worker", "temporal"),
    },
    # Are they waiting for a commit's WAL flush (the rate-limit count, the risk decision)?
    "commit_flush": {
        "as_is": _synchronous_commit("on"),
        "no_flush_wait": _synchronous_commit("off"),
    },
}

Samples = dict[str, list[float]]


async def interleaved(experiment: str, rounds: int, per_s: float) -> dict[str, dict]:
    conditions = EXPERIMENTS[experiment]
    with bench_stack() as stack:
        deps = Deps.from_settings(stack.settings, pool_size=4)
        try:
            async with httpx.AsyncClient(
                base_url=stack.api_url, headers=backend_headers(stack.settings), timeout=120
            ) as api:
                samples = await _rounds(stack, deps, api, conditions, rounds, per_s)
        finally:
            await deps.close()
    return {
        condition: {probe: latency.percentiles(s) | {"n": len(s)} for probe, s in by.items()}
        for condition, by in samples.items()
    }


async def _rounds(
    stack: BenchStack,
    deps: Deps,
    api: httpx.AsyncClient,
    conditions: dict[str, Condition],
    rounds: int,
    per_s: float,
) -> dict[str, Samples]:
    bodies = await seed_events(api, stack.emulator_url, "tails", SHARES)
    await intake_to_open(api, deps, "tails", bodies, timeout=600)
    probes = _probes(deps, api, bodies, RiskService.from_deps(deps, stack.settings))
    freeze_startup()  # as the bench does before timing the risk service in this process
    await CpuMeter(stack.pids(*SERVICES)).settled(at_most=60)  # the shares' own work done
    samples: dict[str, Samples] = {"before_load": await _time_each(probes)}
    round_s = 30  # generous: the load must outlast the rounds
    load = await seed_events(
        api, stack.emulator_url, "load", int(per_s * rounds * len(conditions) * round_s)
    )
    headers = backend_headers(stack.settings)
    async with arriving_from_elsewhere(stack.api_url, headers, load, per_s=per_s) as sent:
        await asyncio.sleep(5)  # the load under way
        for number in range(rounds):
            for name, apply in conditions.items():
                apply(stack)
                await asyncio.sleep(1)
                _extend(samples.setdefault(name, {}), await _time_each(probes))
                say(f"round {number} {name}: {sent()} events sent")
        next(iter(conditions.values()))(stack)
    return samples


def _probes(
    deps: Deps, api: httpx.AsyncClient, bodies: list[dict], risk: RiskService
) -> dict[str, tuple[Callable[[int], Awaitable[object]], int]]:
    users = sorted({b["user_id"] for b in bodies})

    async def assess(i: int) -> None:
        await risk.assess(latency.login(users, i))

    def get(path: Callable[[int], str]) -> Callable[[int], Awaitable[object]]:
        async def read(i: int) -> None:
            (await api.get(path(i))).raise_for_status()

        return read

    async def select_1(_: int) -> None:
        async with deps.sessions() as s:
            await s.execute(text("SELECT 1"))

    return {
        "risk": (assess, RISK_CALLS),
        "standing": (get(lambda i: f"/v1/users/{users[i % len(users)]}/standing"), READS),
        "share": (get(lambda i: f"/v1/shares/{bodies[i % len(bodies)]['event_id']}"), READS),
        "healthz": (get(lambda _: "/healthz"), READS),
        "select_1": (select_1, RISK_CALLS),
    }


async def _time_each(probes: dict[str, tuple[Callable[[int], Awaitable[object]], int]]) -> Samples:
    return {name: await _timed(call, n) for name, (call, n) in probes.items()}


async def _timed(call: Callable[[int], Awaitable[object]], n: int) -> list[float]:
    """n timings of call(1), call(2), …: each call asks about the next user or share."""
    counter = iter(range(1, 1 << 30))
    return await latency.timed_async(lambda: call(next(counter)), n)


def _extend(into: Samples, more: Samples) -> None:
    for probe, values in more.items():
        into.setdefault(probe, []).extend(values)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tails")
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-s", type=float, default=5.0, help="profit events a second")
    args = parser.parse_args()
    with stdout_to_stderr():
        figures = asyncio.run(interleaved(args.experiment, args.rounds, args.per_s))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
