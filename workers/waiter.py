"""What the worker supervisor becomes once its children run: a process that only waits.

The supervisor imports the worker's modules and forks the children, which share those pages.
Every page a child then writes to (a reference count is enough) becomes the child's own copy,
and the supervisor's original is left to the supervisor alone: about 45 MB, in the bench's
scale phase, that nothing uses (issue 20: the workers' memory). So once the children are
started, the supervisor replaces itself with this file run by a bare interpreter (`python -I
-S`: no site packages, no module of ours): the same process, the same children, none of
those pages. It forwards SIGTERM, SIGINT and SIGHUP to the children and exits with the first
failure it sees: 128 + the signal's number for a child killed by one.

The supervisor blocks those signals before it starts the children and the mask survives the
exec, so one that arrives meanwhile waits for the handlers below instead of being lost.
Standard library only: this runs without the project on its path.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def wait_for(children: list[int]) -> int:
    """Until every child has exited; the exit code of the first that failed, else 0."""
    running = set(children)

    def stop_children(_signum: int = 0, _frame: FrameType | None = None) -> None:
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for signum in FORWARDED:
        signal.signal(signum, stop_children)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)  # any that came meanwhile: now
    failed = 0
    while running:
        pid, status = os.waitpid(-1, 0)
        if pid not in running:
            continue
        running.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code and not failed:
            failed = code if code > 0 else 128 - code  # killed by a signal: 128 + its number
            stop_children()  # one worker died: stop the rest rather than run short-handed
    return failed


if __name__ == "__main__":
    sys.exit(wait_for([int(pid) for pid in sys.argv[1:]]))
