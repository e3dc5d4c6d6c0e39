"""The bench's reading of CPU time from /proc (benchmarks/procfs.py)."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.procfs import CpuMeter

# A parent that, once told, runs a child to burn CPU, reaps it and says how much it used.
_PARENT = """
import subprocess, sys, time
sys.stdin.readline()
child = (
    "import os\\nx = 0\\nfor i in range(4_000_000): x += i\\n"
    "t = os.times()\\nprint(t.user + t.system)"
)
used = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
print(used.stdout.strip(), flush=True)
time.sleep(30)
"""


def test_a_descendant_that_ended_during_the_phase_still_counts():
    # As PostgreSQL's server processes do: one per connection, gone when it closes.
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        meter = CpuMeter({"parent": parent.pid})
        assert parent.stdin is not None and parent.stdout is not None
        parent.stdin.write("go\n")
        parent.stdin.flush()
        child_s = float(parent.stdout.readline())
        counted_ms = meter.per_item_ms(1)["parent"]
    finally:
        parent.kill()
        parent.wait()
    # Ticks are 10 ms: the child's own figure, less a tick of rounding at most.
    assert child_s > 0.05
    assert counted_ms >= child_s * 1000 - 10, (counted_ms, child_s)
