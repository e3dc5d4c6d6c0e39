"""The benchmark's JSON: the machine, the figures, and each target with whether it was met."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stack.temporal import BIN


@dataclass(frozen=True)
class Target:
    """A figure from the issue's acceptance list: `path` into the report, and its bound."""

    name: str
    path: tuple[str, ...]
    bound: float
    at_least: bool

    def check(self, report: dict[str, Any]) -> dict[str, Any]:
        value: Any = report
        for key in self.path:
            value = value.get(key) if isinstance(value, dict) else None
        met = value is not None and (value >= self.bound if self.at_least else value <= self.bound)
        bound = f"{'>=' if self.at_least else '<='} {self.bound}"
        return {"value": value, "target": bound, "met": met}


TARGETS = (
    Target("intake_events_per_min", ("intake", "events_per_min"), 1000, at_least=True),
    Target("intake_ratio_to_floor", ("intake", "ratio_to_floor"), 1.0, at_least=True),
    Target("payments_per_min", ("payments", "per_min"), 2000, at_least=True),
    Target("webhook_verify_p99_ms", ("latency_ms", "webhook_verify", "p99"), 1, at_least=False),
    Target("risk_assess_p99_ms", ("latency_ms", "risk_assess", "p99"), 10, at_least=False),
    Target("standing_read_p95_ms", ("latency_ms", "standing_read", "p95"), 20, at_least=False),
    Target("payments_ratio_to_floor", ("payments", "ratio_to_floor"), 0.8, at_least=True),
    Target("share_read_p95_ms", ("latency_ms", "share_read", "p95"), 20, at_least=False),
    Target("burst_ratio_to_steady", ("burst", "ratio_to_steady"), 0.9, at_least=True),
    Target("burst_task_timeouts", ("burst", "task_timeouts"), 0, at_least=False),
    Target("burst_tasks_redone", ("burst", "tasks_redone"), 0, at_least=False),
    Target("burst_slow_task_warnings", ("burst", "slow_task_warnings"), 0, at_least=False),
    # Every worker process together, not the largest one alone, each page counted once: the
    # forked workers share their imports, which a sum of RSS would count once per process.
    Target("worker_memory_mb", ("scale", "worker_pss_mb"), 400, at_least=False),
    Target(
        "worker_rss_mb_largest_process",
        ("scale", "worker_rss_mb_largest_process"),
        400,
        at_least=False,
    ),
    Target("console_page_p95_ms", ("console_ms", "slowest_p95"), 200, at_least=False),
    Target("bench_total_s", ("run", "total_s"), 1800, at_least=False),
)


def machine() -> dict[str, Any]:
    version = subprocess.run(
        [str(BIN / "temporal"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "temporal_server": version.removeprefix("temporal version "),
        "cpu_model": _cpu_model(),
        "memory_mb": _memory_mb(),
        "os": f"{platform.system()} {platform.release()}",
        # Other work on the machine shows here; a loaded machine gives lower figures.
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        return None


def with_targets(report: dict[str, Any]) -> dict[str, Any]:
    return report | {"targets": {t.name: t.check(report) for t in TARGETS}}


def write(report: dict[str, Any], data_dir: Path) -> Path:
    """DATA_DIR/bench/<timestamp>.json; the same JSON goes to stdout."""
    folder = data_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path
