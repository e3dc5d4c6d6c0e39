"""Several worker processes behind one command.

A Python worker runs its workflow tasks on one core (the GIL), so a machine's cores are
used by processes, not threads. The supervisor only starts the children, forwards SIGTERM,
SIGINT and SIGHUP to them, and exits with the first failure it sees.

The supervisor is a fresh interpreter that imports nothing but this module (the standard
library): `profitshare worker` execs into it, so the CLI's imports (about 90 MB) do not stay
resident beside the workers. Each child is its own interpreter too (`--serve`), reading its
settings from the same environment, and knows its index (PROFITSHARE_WORKER_INDEX).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from types import FrameType

INDEX_VARIABLE = "PROFITSHARE_WORKER_INDEX"


def serve() -> None:
    """One worker in this process, until SIGTERM or SIGINT."""
    # Imported here: the supervisor never pays for the worker's imports.
    import asyncio

    from config.settings import get_settings
    from runtime.logging import configure
    from workers.worker import run_worker

    configure()
    asyncio.run(run_worker(get_settings()))


def run_workers(processes: int) -> int:
    """Runs `processes` workers until they stop; the exit code of the first that failed."""
    if processes == 1:
        serve()
        return 0
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "workers.processes", str(processes)])


def supervise(processes: int) -> int:
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "workers.processes", "--serve"],
            env=os.environ | {INDEX_VARIABLE: str(i)},
        )
        for i in range(processes)
    ]

    def stop_children(_signum: int = 0, _frame: FrameType | None = None) -> None:
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop_children)
    failed = 0
    for child in children:
        code = child.wait()
        if code and not failed:
            failed = code if code > 0 else 128 - code  # killed by a signal: 128 + its number
            stop_children()  # one worker died: stop the rest rather than run short-handed
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m workers.processes")
    parser.add_argument("processes", nargs="?", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help="be one worker (a child)")
    args = parser.parse_args()
    if args.serve:
        serve()
    else:
        sys.exit(supervise(args.processes))


if __name__ == "__main__":
    main()
