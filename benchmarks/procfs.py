"""What a process costs, read from /proc: resident memory and CPU time (Linux)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """The process and its descendants (a worker started with --processes N has N children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in task.read_text().split())
            except OSError:  # the task ended while we looked
                continue
    return found


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of the process and its descendants, now and at their peaks (MB);
    `largest` is the biggest single process now."""
    now, peak, largest = 0.0, 0.0, 0.0
    for member in family(pid):
        fields = _status(member)
        now += fields.get("VmRSS", 0.0)
        peak += fields.get("VmHWM", 0.0)
        largest = max(largest, fields.get("VmRSS", 0.0))
    return {"now": round(now, 1), "peak": round(peak, 1), "largest": round(largest, 1)}


def pss_mb(pid: int) -> float:
    """Proportional memory of the process and its descendants (MB): each page shared by k
    processes counts 1/k in each, so the sum is what the family really holds. RSS counts a
    shared page in every process that maps it (the forked workers share their imports)."""
    total = 0.0
    for member in family(pid):
        try:
            lines = Path(f"/proc/{member}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("Pss:"):
                total += int(line.split()[1]) / 1024
    return round(total, 1)


def _status(pid: int) -> dict[str, float]:
    fields = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return fields
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process and all its descendants have used so far,
    those that have ended included.

    A descendant that ended took its own CPU time out of /proc with it; the kernel adds it
    (and that of its own ended descendants) to its parent's "children" times when the
    parent reaps it. So each living member's own times plus its reaped children's count
    every member once. Counting only the living undercounted PostgreSQL, whose server
    processes come and go with the pools' connections: a connection closed during a phase
    took back the CPU its process had spent since it started, before the phase too.
    """
    total = 0.0
    for member in family(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; the fields after ")" are fixed:
        # utime, stime, cutime, cstime are fields 14 to 17.
        after_name = stat.rpartition(")")[2].split()
        total += sum(int(ticks) for ticks in after_name[11:15]) / _TICKS
    return total


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

    def total_s(self) -> float:
        """CPU seconds all the named processes have used so far, together."""
        return sum(cpu_s(pid) for pid in self._pids.values())

    async def settled(
        self, *, idle_cores: float = 0.15, every: float = 1.0, at_most: float = 120.0
    ) -> float:
        """Waits until the processes together use less than `idle_cores` over `every` second
        (the work in flight is done: a share's steps after `open`, say), for at most
        `at_most` seconds; returns the seconds waited."""
        started = time.perf_counter()
        before = self.total_s()
        while time.perf_counter() - started < at_most:
            await asyncio.sleep(every)
            now = self.total_s()
            if now - before < idle_cores * every:
                break
            before = now
        return round(time.perf_counter() - started, 1)
