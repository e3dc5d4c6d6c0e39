"""Several worker processes behind one command.

A Python worker runs its workflow tasks on one core (the GIL), so a machine's cores are
used by processes, not threads. The parent only starts the children, forwards SIGTERM,
SIGINT and SIGHUP to them, and exits with the first failure it sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
from types import FrameType

from config.settings import Settings


def _serve(settings: Settings) -> None:
    # Imported here, not above: the parent only supervises, and the worker's imports (ccxt,
    # SQLAlchemy, every workflow) would cost it as much memory as a worker.
    from workers.worker import run_worker

    asyncio.run(run_worker(settings))


def run_workers(settings: Settings, processes: int) -> int:
    """Runs `processes` workers until they stop; the exit code of the first that failed."""
    if processes == 1:
        _serve(settings)
        return 0
    spawn = multiprocessing.get_context("spawn")
    children = [
        spawn.Process(target=_serve, args=(settings,), name=f"worker-{i}") for i in range(processes)
    ]
    for child in children:
        child.start()

    def stop_children(_signum: int = 0, _frame: FrameType | None = None) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop_children)
    failed = 0
    for child in children:
        child.join()
        if child.exitcode and not failed:
            failed = child.exitcode
            stop_children()  # one worker died: stop the rest rather than run short-handed
    return failed
