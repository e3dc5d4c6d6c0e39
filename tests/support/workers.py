"""A share worker in a process of its own, so a test can kill it with SIGKILL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from temporalio.service import RPCError

from tests.support.scenario import eventually
from workflows.share import ShareWorkflow


def worker_process(settings, temporal_address: str, *, sticky: bool = False) -> subprocess.Popen:
    """`profitshare worker` configured only by `settings` (no dev.env is read).

    The time-skipping test server never moves a dead worker's sticky tasks back to the
    shared queue (a real server does after 5 s), so on it workers must not be sticky.
    """
    values = {
        "TEMPORAL_ADDRESS": temporal_address,
        "TASK_QUEUE": settings.task_queue,
        "DATABASE_URL": settings.database_url,
        "EXCHANGE_BASE_URL": settings.exchange_base_url,
        "FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "HASH_KEY": settings.hash_key.get_secret_value(),
        "CODEC_KEY": settings.codec_key.get_secret_value(),
        "DATA_DIR": "/nonexistent",
        "WORKER_MAX_CACHED_WORKFLOWS": str(settings.worker_max_cached_workflows if sticky else 0),
    }
    env = {**os.environ, **{f"PROFITSHARE_{k}": v for k, v in values.items()}}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def taken_over(handles) -> None:
    """Waits until a live worker answers for every workflow (its task backlog is drained)."""

    async def answered():
        try:
            return [
                await h.query(ShareWorkflow.status, rpc_timeout=timedelta(seconds=5))
                for h in handles
            ]
        except RPCError:
            return None

    await eventually(answered, timeout=90)
