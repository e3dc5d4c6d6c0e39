"""The tails tool's niceness condition (benchmarks/tails.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.procfs import family
from benchmarks.tails import EXPERIMENTS, renice_family

# A process with a second thread, and a forked child with one of its own.
_FAMILY = """
import os, threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
if os.fork() == 0:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
print("ready", flush=True)
time.sleep(60)
"""


def _niceness(pid: int) -> list[int]:
    found = []
    for member in family(pid):
        for tid in os.listdir(f"/proc/{member}/task"):
            stat = Path(f"/proc/{member}/task/{tid}/stat").read_text()
            found.append(int(stat.rpartition(")")[2].split()[16]))  # field 19: nice
    return found


def test_every_thread_of_the_family_is_reniced():
    # os.setpriority on a pid changes that one thread: the workers' other threads (the SDK's,
    # the activities') and their forked children would have kept running at full priority.
    proc = subprocess.Popen([sys.executable, "-c", _FAMILY], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while len(_niceness(proc.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # the child's thread starts after its "ready"
        renice_family(proc.pid, 7)
        assert _niceness(proc.pid) == [7, 7, 7, 7]
    finally:
        for member in reversed(family(proc.pid)):
            os.kill(member, 9)
        proc.wait()


def test_each_experiment_starts_with_the_stack_as_it_runs():
    # The first condition is applied after the last round: the stack is left as found.
    for conditions in EXPERIMENTS.values():
        assert next(iter(conditions)) == "as_is"
