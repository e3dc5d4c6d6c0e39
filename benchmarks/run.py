"""One benchmark run, phase by phase: in-process latencies, then on one isolated stack the
floor, intake, reads, payments, scale and the ladder walk.

The order matters: the risk and read latencies are timed with the intake's shares open while
more profit events arrive at half the steady rate (benchmarks/under_load.py), and again once
those are open too; the payments then close the intake's shares; the scale phase opens its
own. Each phase adds its figures to the report as it ends, so a failure late in a long run
keeps the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks import (
    console,
    floor,
    ladder,
    latency,
    lock_waits,
    machine_speed,
    report,
    scale,
    under_load,
    worker_cache,
)
from benchmarks.burst import burst
from benchmarks.history_counts import before_after
from benchmarks.intake import count_shares, intake_to_open, wait_for_shares
from benchmarks.load import CONCURRENCY, per_second, say
from benchmarks.payments import pay_all, signed_callbacks
from benchmarks.procfs import CpuMeter
from benchmarks.sessions import backend_headers, seed_events
from benchmarks.stack import SERVICES, WORKER_PROCESSES, BenchStack, bench_stack
from config.settings import Settings
from runtime.client import connect
from runtime.collector import freeze_startup
from runtime.deps import Deps
from services.risk.service import RiskService

# Shares paid early whose histories are counted for `per_share` (their median).
PER_SHARE_SAMPLE = 20


@dataclass(frozen=True)
class Sizes:
    events: int = 1000
    open_shares: int = 10_000
    ladder_shares: int = 1000
    latency_samples: int = 2000
    read_samples: int = 500
    console_samples: int = 50  # per console page; 0 skips the console phase
    burst_events: int = 5000

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            events=100,
            open_shares=300,
            ladder_shares=100,
            latency_samples=500,
            read_samples=100,
            console_samples=10,
            burst_events=300,
        )

    @classmethod
    def burst_focus(cls) -> Sizes:
        """The burst and the steady intake it is compared with at full size, the rest small:
        about 15 minutes, for comparing two commits' bursts back to back (performance.md)."""
        return cls(
            open_shares=5100,  # the burst's 5,000 are open already: the scale phase adds 100
            ladder_shares=5,
            latency_samples=200,
            read_samples=50,
            console_samples=0,
        )

    def timeout(self, n: int) -> float:
        """Generous (about 2 events/s): a phase still unfinished by then has failed, not slowed."""
        return 120 + n * 0.5


async def run_bench(sizes: Sizes) -> dict[str, Any]:
    """The report; it carries "error" (and lacks the later figures) if a phase failed."""
    started = time.perf_counter()
    figures: dict[str, Any] = {"machine": report.machine()}
    # Before each phase, the stack quiet: whether the machine itself sped up or slowed down
    # between the phases a ratio compares (benchmarks/machine_speed.py).
    figures["machine_speed_ms"] = {"start": machine_speed.sample_ms()}
    # Microsecond work first, before our own servers start competing for the CPU.
    say("latency: webhook verification and risk assessment, in-process")
    webhook_verify, by_provider = latency.webhook_verify_latency(sizes.latency_samples)
    figures["latency_ms"] = {
        "webhook_verify": webhook_verify,
    }
    figures["risk_rules_only_ms"] = latency.risk_rules_latency(sizes.latency_samples)
    figures["webhook_verify_by_provider_ms"] = by_provider
    try:
        with bench_stack() as stack:
            say(f"stack up in {stack.data_dir}")
            deps = Deps.from_settings(stack.settings, pool_size=4)
            try:
                await _phases(stack, deps, sizes, figures)
            finally:
                await deps.close()
    except Exception as err:  # keep what was measured; the CLI exits non-zero
        say(f"failed: {type(err).__name__}: {err}")
        figures["error"] = f"{type(err).__name__}: {err}"
    figures["machine_drift"] = {
        "burst_vs_intake": machine_speed.drift(figures["machine_speed_ms"], "intake", "burst"),
        "end_vs_start": machine_speed.drift(figures["machine_speed_ms"], "start", "end"),
    }
    figures["run"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "concurrency": CONCURRENCY,
        "worker_processes": WORKER_PROCESSES,
        "worker_workflow_slots": Settings.model_fields["worker_workflow_slots"].default,
        # The stack's children get no PROFITSHARE_* but the stack's own: the default holds.
        "worker_max_cached_workflows": Settings.model_fields["worker_max_cached_workflows"].default,
        "total_s": round(time.perf_counter() - started, 1),
    }
    return report.with_targets(figures)


async def _phases(stack: BenchStack, deps: Deps, sizes: Sizes, figures: dict[str, Any]) -> None:
    settings, n = stack.settings, sizes.events
    client = await connect(settings)

    async def speed_before(phase: str) -> None:
        figures["machine_speed_ms"][phase] = await machine_speed.quiet_sample_ms(
            CpuMeter(stack.pids(*SERVICES))
        )

    await speed_before("floor")
    figures["floor"] = await floor.measure_floor(stack, client, n)
    say(f"floor: {figures['floor']}")
    async with httpx.AsyncClient(
        base_url=stack.api_url,
        headers=backend_headers(settings),
        timeout=120,
        # Drop idle connections before uvicorn does (after 5 s): reusing one it is closing
        # fails the request.
        limits=httpx.Limits(max_connections=CONCURRENCY * 2, keepalive_expiry=2),
    ) as api:
        bodies = await seed_events(api, stack.emulator_url, "intake", n)
        await speed_before("intake")
        say(f"intake: {n} profit events")
        cpu = CpuMeter(stack.pids(*SERVICES))
        async with (
            lock_waits.sampled(deps) as waits,
            worker_cache.counted(stack.worker_metrics_ports) as cache,
        ):
            seconds = await intake_to_open(api, deps, "intake", bodies, timeout=sizes.timeout(n))
        cpu_open = cpu.per_item_ms(n)
        settle_s = await cpu.settled()
        figures["intake"] = {
            "events": n,
            **_rate("events_per_min", n, seconds, figures["floor"]["one_activity_wf_per_s"]),
            "cpu_ms_per_event": cpu_open,
            # Until every share is open, and until the processes go quiet too: the second adds
            # the steps shares take after `open` (the day-0 notice, the standing delivery),
            # which a burst's long drain mostly holds. Compare it with the burst's.
            "cpu_ms_per_event_settled": cpu.per_item_ms(n),
            "settle_s": settle_s,
            "postgres_lock_waits": waits.figures(n),
            "worker_cache": cache(),
        }
        stack.check_alive()

        risk = RiskService.from_deps(deps, settings)
        # The risk service is timed in this process, as the API process runs it. The API
        # freezes what it starts with (runtime/collector.py); this process holds the run's
        # own data besides, which the collector's passes would otherwise walk inside the
        # timed calls. Frozen likewise, it is not timed as the service's.
        freeze_startup()
        users = sorted({b["user_id"] for b in bodies})
        standings = [f"/v1/users/{b['user_id']}/standing" for b in bodies]
        shares = [f"/v1/shares/{b['event_id']}" for b in bodies]

        async def timed_reads() -> dict[str, Any]:
            return {
                "risk_assess": await latency.risk_assess_latency(
                    risk, users, sizes.latency_samples
                ),
                "standing_read": await latency.read_latency(api, standings, sizes.read_samples),
                "share_read": await latency.read_latency(api, shares, sizes.read_samples),
            }

        # Under load (the targets): while more profit events arrive at half the steady rate.
        load_bodies = await seed_events(api, stack.emulator_url, "load", n // 2)
        per_s = figures["intake"]["events_per_min"] / 120
        say(f"latency under load: risk in-process, reads over HTTP; {per_s:.1f} events/s arrive")
        async with under_load.arriving_from_elsewhere(
            stack.api_url, backend_headers(settings), load_bodies, per_s=per_s
        ) as sent:
            figures["latency_ms"] |= await timed_reads()
        figures["latency_load"] = {
            "events_per_s": round(per_s, 2),
            "events_sent": sent(),
            "sent_from": "a process of its own",  # since session 9; before, the timing one
        }
        await wait_for_shares(deps, "load", "open", sent(), timeout=sizes.timeout(sent()))
        say("latency once the load's shares are open")
        figures["latency_after_load_ms"] = await timed_reads()

        secret = settings.gateway_value("standard_webhook_secret") or ""
        event_ids = [b["event_id"] for b in bodies]
        callbacks = await signed_callbacks(api, event_ids, secret)
        say(f"payments: {n} webhooks")
        cpu = CpuMeter(stack.pids(*SERVICES))
        async with (
            lock_waits.sampled(deps) as waits,
            worker_cache.counted(stack.worker_metrics_ports) as cache,
        ):
            seconds = await pay_all(api, deps, "intake", callbacks, timeout=sizes.timeout(n))
        figures["payments"] = {
            "payments": n,
            **_rate("per_min", n, seconds, figures["floor"]["signal_per_s"]),
            "cpu_ms_per_payment": cpu.per_item_ms(n),
            "postgres_lock_waits": waits.figures(n),
            "worker_cache": cache(),
        }
        # What one share paid early costs Temporal: the round trips issue 20 counts.
        figures["per_share"] = await before_after(client, event_ids[:PER_SHARE_SAMPLE])
        stack.check_alive()

        steady = figures["intake"]["events_per_min"] / 60
        await speed_before("burst")
        figures["burst"] = await burst(
            stack,
            api,
            deps,
            client,
            sizes.burst_events,
            steady_per_s=steady,
            timeout=sizes.timeout(sizes.burst_events),
        )
        say(f"burst: {figures['burst']}")

        await speed_before("scale")
        say(f"scale: opening {sizes.open_shares} shares (progress every few seconds)")
        figures["scale"] = {"open_shares": sizes.open_shares}
        figures["scale"] |= await scale.open_shares(
            stack,
            api,
            deps,
            sizes.open_shares,
            # The burst's shares are open and wait on their ladders: they count.
            already_open=await count_shares(deps, "burst", "open"),
            timeout=sizes.timeout(sizes.open_shares),
        )
        if sizes.console_samples:
            say(f"console: each page rendered with {sizes.open_shares}+ shares in the database")
            admin = next(t for role, t in settings.bootstrap_token_pairs() if role == "admin")
            figures["console_ms"] = await console.page_latency(
                stack.api_url, admin, bodies[0]["event_id"], bodies[0]["user_id"],
                sizes.console_samples,
            )  # fmt: skip
    stack.check_alive()
    await speed_before("ladder")
    say(f"ladder: {sizes.ladder_shares} shares through 60 days on the time-skipping server")
    # The walk skips time once per timer of each share, one after another: 1,000 shares took
    # 304 s on a 2-core machine once the ladder worker's cache held them all (692 s before).
    figures["scale"] |= await ladder.ladder_walk(
        stack, deps, sizes.ladder_shares, timeout=sizes.timeout(sizes.ladder_shares)
    )
    await speed_before("end")


def _rate(name: str, count: int, seconds: float, floor_per_s: float) -> dict[str, float]:
    ours = per_second(count, seconds)
    return {
        name: round(ours * 60, 1),
        "ratio_to_floor": round(ours / floor_per_s, 3) if floor_per_s else 0.0,
        "seconds": round(seconds, 1),
    }
