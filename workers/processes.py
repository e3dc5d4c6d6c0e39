"""Several worker processes behind one command.

A Python worker runs its workflow tasks on one core (the GIL), so a machine's cores are
used by processes, not threads. The supervisor starts the children, then becomes
workers/waiter.py, which forwards SIGTERM, SIGINT and SIGHUP to them and exits with the first
failure it sees.

Memory (issue 20): `profitshare worker` execs into a fresh supervisor, so the CLI's own
imports do not stay resident. The supervisor imports the worker's modules once (ccxt,
SQLAlchemy, temporalio, every workflow: about 120 MB), freezes them out of the garbage
collector's reach and forks the children, which share those pages copy-on-write instead of
holding a copy each; then it execs the waiter, which holds none of them. Each child connects
to Temporal and PostgreSQL itself (nothing is opened before the fork) and knows its index
(PROFITSHARE_WORKER_INDEX).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import NoReturn

from workers.waiter import FORWARDED  # the signals the waiter forwards: the same ones

INDEX_VARIABLE = "PROFITSHARE_WORKER_INDEX"


def serve() -> None:
    """One worker in this process, until SIGTERM or SIGINT."""
    # Imported here: the supervisor never pays for the worker's imports.
    import asyncio

    import uvloop

    from config.settings import get_settings
    from runtime.collector import freeze_startup
    from runtime.logging import configure
    from workers.worker import run_worker

    # A supervisor's child starts with these blocked (supervise): the worker handles them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    configure()
    freeze_startup()  # a child's own few; its supervisor froze the imports before the fork
    # uvloop (ccxt's own dependency) runs the worker's event loop: its asyncio machinery was
    # about a tenth of a worker's CPU per share by profile; uvloop cut the worker's CPU per
    # share by ~5% (issue 20). Workflow code never sees it: the SDK runs workflows on its own
    # deterministic loop.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run_worker(get_settings()))


def run_workers(processes: int) -> int:
    """Runs `processes` workers until they stop; the exit code of the first that failed."""
    if processes == 1:
        serve()
        return 0
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "workers.processes", str(processes)])


def supervise(processes: int) -> NoReturn:
    """Starts the children, then becomes workers/waiter.py, which waits for them."""
    import workers.worker  # noqa: F401  (imported once, shared by the forked children)
    from runtime.collector import freeze_startup

    freeze_startup()  # the collector never writes to these objects: their pages stay shared
    # Held until the waiter handles them (the mask survives the exec): a SIGTERM while the
    # children start still reaches every one of them.
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
    # Forking a threaded process is unsafe (a lock held by another thread stays held in the
    # child): should an import ever start a thread, the children start afresh instead.
    fork = threading.active_count() == 1
    # A Popen is kept until the exec: one dropped while its child runs may be reaped by the
    # subprocess module itself, and the waiter would never see that child exit.
    started = [_forked(index) if fork else _spawned(index) for index in range(processes)]
    pids = [str(child if isinstance(child, int) else child.pid) for child in started]
    sys.stdout.flush()
    sys.stderr.flush()
    waiter = str(Path(__file__).with_name("waiter.py"))
    os.execv(sys.executable, [sys.executable, "-I", "-S", waiter, *pids])


def _forked(index: int) -> int:
    pid = os.fork()
    if pid == 0:
        for signum in FORWARDED:  # the worker installs its own (SIGTERM, SIGINT) when it runs
            signal.signal(signum, signal.SIG_DFL)
        os.environ[INDEX_VARIABLE] = str(index)
        code = 1
        try:
            serve()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except KeyboardInterrupt:
            code = 128 + signal.SIGINT
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def _spawned(index: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "workers.processes", "--serve"]
    return subprocess.Popen(argv, env=os.environ | {INDEX_VARIABLE: str(index)})


def worker_index() -> int:
    """This worker's place among its supervisor's children (0 when it runs alone)."""
    return int(os.environ.get(INDEX_VARIABLE, "0"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m workers.processes")
    parser.add_argument("processes", nargs="?", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help="be one worker (a child)")
    args = parser.parse_args()
    if args.serve:
        serve()
    else:
        supervise(args.processes)


if __name__ == "__main__":
    main()
