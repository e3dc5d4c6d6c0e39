"""`profitshare worker --processes N`: N pollers on the task queue, and SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.testing import WorkflowEnvironment

from benchmarks.procfs import family, pss_mb, rss_mb
from config.settings import ENV_PREFIX, Settings


def _env(settings: Settings, address: str, task_queue: str) -> dict[str, str]:
    values = {
        "DATABASE_URL": settings.database_url,
        "FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "HASH_KEY": settings.hash_key.get_secret_value(),
        "CODEC_KEY": settings.codec_key.get_secret_value(),
        "TEMPORAL_ADDRESS": address,
        "TASK_QUEUE": task_queue,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return clean | {f"{ENV_PREFIX}{k}": str(v) for k, v in values.items()}


async def _pollers(env: WorkflowEnvironment, task_queue: str) -> set[str]:
    described = await env.client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace="default",
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return {poller.identity for poller in described.pollers}


async def _became_waiter(pid: int) -> bool:
    for _ in range(100):
        if "workers/waiter.py" in Path(f"/proc/{pid}/cmdline").read_text():
            return True
        await asyncio.sleep(0.1)
    return False


def _own_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


async def _two_workers(
    dev_server: WorkflowEnvironment, settings: Settings, task_queue: str
) -> subprocess.Popen:
    """`profitshare worker --processes 2`, once both children poll the task queue."""
    address = dev_server.client.service_client.config.target_host
    worker = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker", "--processes", "2"],
        env=_env(settings, address, task_queue),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(300):  # the children import the whole worker: allow them time
        if len(await _pollers(dev_server, task_queue)) >= 2 or worker.poll() is not None:
            break
        await asyncio.sleep(0.2)
    assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
    return worker


async def _gone(pids: list[int]) -> bool:
    """A child may outlive the supervisor by a moment: allow it that."""
    for _ in range(50):
        if not any(os.path.exists(f"/proc/{pid}") for pid in pids):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_two_processes_poll_and_sigterm_stops_both(
    dev_server: WorkflowEnvironment, settings: Settings, task_queue: str
) -> None:
    worker = await _two_workers(dev_server, settings, task_queue)
    try:
        assert len(await _pollers(dev_server, task_queue)) == 2
        children = family(worker.pid)[1:]
        assert len(children) == 2
        # Once they run, the supervisor is the waiter, holding no copy of the worker's imports
        # (the children hold them and more: each well over 100 MB).
        assert await _became_waiter(worker.pid)
        assert _own_rss_mb(worker.pid) < 40
        # The children are forked after the imports: they share those pages, so the family
        # holds far less than the sum of its members' resident sizes.
        assert pss_mb(worker.pid) < 0.8 * rss_mb(worker.pid)["now"]

        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 60) == 0
        assert await _gone(children)
    finally:
        if worker.poll() is None:
            worker.kill()


async def test_a_worker_killed_stops_the_other_and_the_supervisor_says_so(
    dev_server: WorkflowEnvironment, settings: Settings, task_queue: str
) -> None:
    worker = await _two_workers(dev_server, settings, task_queue)
    try:
        assert await _became_waiter(worker.pid)
        killed, other = family(worker.pid)[1:]
        os.kill(killed, signal.SIGKILL)
        assert await asyncio.to_thread(worker.wait, 60) == 128 + signal.SIGKILL
        assert await _gone([other])
    finally:
        if worker.poll() is None:
            worker.kill()
