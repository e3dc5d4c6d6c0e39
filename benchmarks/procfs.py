"""What a process costs, read from /proc: resident memory and CPU time (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"now": fields["VmRSS"], "peak": fields["VmHWM"]}


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    # The command name (field 2) may hold spaces; the fields after ")" are fixed.
    after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(after_name[11]) + int(after_name[12])) / _TICKS


class CpuMeter:
    """CPU used by named processes between construction and `per_item`."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._start = {name: cpu_s(pid) for name, pid in pids.items()}

    def per_item_ms(self, items: int) -> dict[str, float]:
        return {
            name: round((cpu_s(pid) - self._start[name]) * 1000 / items, 1)
            for name, pid in self._pids.items()
        }
