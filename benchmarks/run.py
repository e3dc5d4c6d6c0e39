"""One benchmark run, phase by phase: in-process latencies, then on one isolated stack the
floor, intake, reads, payments and scale. The order matters: the reads are timed while the
intake's shares are open and the worker idle; the payments then close those shares; the
scale phase opens its own."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks import floor, latency, report, scale
from benchmarks.intake import intake_to_open
from benchmarks.load import CONCURRENCY, per_second, say
from benchmarks.payments import pay_all
from benchmarks.procfs import CpuMeter
from benchmarks.sessions import backend_headers, seed_events
from benchmarks.stack import BenchStack, bench_stack
from workers.client import connect
from workers.deps import Deps

# Where the CPU goes, per event: the profile behind the figures.
SERVICES = ("temporal", "worker", "api", "emulator")


@dataclass(frozen=True)
class Sizes:
    events: int = 1000
    open_shares: int = 10_000
    ladder_shares: int = 1000
    latency_samples: int = 2000
    read_samples: int = 500

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            events=100, open_shares=300, ladder_shares=100, latency_samples=500, read_samples=100
        )

    def timeout(self, n: int) -> float:
        """Generous (about 2 events/s): a phase still unfinished by then has failed, not slowed."""
        return 120 + n * 0.5


async def run_bench(sizes: Sizes) -> dict[str, Any]:
    machine = report.machine()
    started = time.perf_counter()
    # Microsecond work first, before our own servers start competing for the CPU.
    say("latency: webhook verification and risk assessment, in-process")
    webhook_verify, by_provider = latency.webhook_verify_latency(sizes.latency_samples)
    in_process = {
        "webhook_verify": webhook_verify,
        "risk_assess": latency.risk_assess_latency(sizes.latency_samples),
    }
    with bench_stack() as stack:
        say(f"stack up in {stack.data_dir}")
        deps = Deps.from_settings(stack.settings, pool_size=4)
        try:
            figures = await _phases(stack, deps, sizes)
        finally:
            await deps.close()
    figures["latency_ms"] = in_process | figures["latency_ms"]
    return report.with_targets(
        {
            "machine": machine,
            **figures,
            "webhook_verify_by_provider_ms": by_provider,
            "run": {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "concurrency": CONCURRENCY,
                "worker_processes": 1,
                "worker_max_cached_workflows": stack.settings.worker_max_cached_workflows,
                "total_s": round(time.perf_counter() - started, 1),
            },
        }
    )


async def _phases(stack: BenchStack, deps: Deps, sizes: Sizes) -> dict[str, Any]:
    settings = stack.settings
    client = await connect(settings)
    n = sizes.events
    floor_figures = await floor.measure_floor(stack, client, n)
    say(f"floor: {floor_figures}")
    async with httpx.AsyncClient(
        base_url=stack.api_url,
        headers=backend_headers(settings),
        timeout=120,
        # Drop idle connections before uvicorn does (after 5 s): reusing one it is closing
        # fails the request.
        limits=httpx.Limits(max_connections=CONCURRENCY * 2, keepalive_expiry=2),
    ) as api:
        bodies = await seed_events(api, stack.emulator_url, "intake", n)
        say(f"intake: {n} profit events")
        cpu = CpuMeter(stack.pids(*SERVICES))
        intake_s = await intake_to_open(api, deps, "intake", bodies, timeout=sizes.timeout(n))
        intake_cpu = cpu.per_item_ms(n)
        stack.check_alive()
        intake_per_s = per_second(n, intake_s)

        say("latency: standing and share reads over HTTP")
        shares = [f"/v1/shares/{b['event_id']}" for b in bodies]
        standings = [f"/v1/users/{b['user_id']}/standing" for b in bodies]
        reads = {
            "standing_read": await latency.read_latency(api, standings, sizes.read_samples),
            "share_read": await latency.read_latency(api, shares, sizes.read_samples),
        }

        say(f"payments: {n} webhooks")
        secret = settings.standard_webhook_secret.get_secret_value()
        event_ids = [b["event_id"] for b in bodies]
        cpu = CpuMeter(stack.pids(*SERVICES))
        paid_s = await pay_all(api, deps, "intake", event_ids, secret, timeout=sizes.timeout(n))
        payments_cpu = cpu.per_item_ms(n)
        payments_per_s = per_second(n, paid_s)

        say(f"scale: opening {sizes.open_shares} shares (progress every few seconds)")
        opened = await scale.open_shares(
            stack, api, deps, sizes.open_shares, timeout=sizes.timeout(sizes.open_shares)
        )
    stack.check_alive()
    say(f"ladder: {sizes.ladder_shares} shares through 60 days on the time-skipping server")
    ladder = await scale.ladder_walk(
        stack, deps, sizes.ladder_shares, timeout=sizes.timeout(sizes.ladder_shares)
    )
    return {
        "floor": floor_figures,
        "intake": {
            "events": n,
            "events_per_min": round(intake_per_s * 60, 1),
            "ratio_to_floor": _ratio(intake_per_s, floor_figures["one_activity_wf_per_s"]),
            "seconds": round(intake_s, 1),
            "cpu_ms_per_event": intake_cpu,
        },
        "payments": {
            "payments": n,
            "per_min": round(payments_per_s * 60, 1),
            "ratio_to_floor": _ratio(payments_per_s, floor_figures["signal_per_s"]),
            "seconds": round(paid_s, 1),
            "cpu_ms_per_payment": payments_cpu,
        },
        "latency_ms": reads,
        "scale": {"open_shares": sizes.open_shares, **opened, **ladder},
    }


def _ratio(ours: float, floor_rate: float) -> float:
    return round(ours / floor_rate, 3) if floor_rate else 0.0
