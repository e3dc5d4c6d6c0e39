"""How fast this machine runs Python right now: a fixed piece of work, timed between phases.

Every ratio the bench reports is to something measured in the same run, but not at the same
moment: the floor at the start, steady intake minutes before the burst. On a shared VM the
same code ran at half its speed in one hour and at full speed in the next (performance.md,
session 12), and within one run the speed can move too. A phase that looks slower than the
one before it is the code's doing only if the machine did not slow down between them; this
sample, taken with the stack quiet before each phase, says whether it did.
"""

from __future__ import annotations

import json
import statistics

from benchmarks.latency import timed
from benchmarks.procfs import CpuMeter

SAMPLES = 7
# What a worker does most of: build, encode and decode small Python objects.
_DOC = {"event_id": "evt_0000", "amounts": [str(i * 1.5) for i in range(20)], "level": 2}


def _work() -> int:
    total = 0
    for i in range(2_000):
        doc = dict(_DOC, i=i)
        total += len(json.loads(json.dumps(doc))["amounts"]) + sum(range(50))
    return total


def sample_ms() -> float:
    """The median of SAMPLES timings of the fixed work (ms): lower is faster."""
    return round(statistics.median(timed(_work, SAMPLES)) * 1000, 2)


async def quiet_sample_ms(cpu: CpuMeter) -> float:
    """The sample once the stack's processes have gone quiet (at most 15 s of waiting), so
    that it measures the machine rather than our own work still in flight."""
    await cpu.settled(at_most=15.0)
    return sample_ms()


def drift(by_phase: dict[str, float], earlier: str, later: str) -> float | None:
    """How much slower the machine ran before `later` than before `earlier` (1.0: the same;
    1.2: the same work took 20% longer), or None if either was not sampled."""
    if earlier not in by_phase or later not in by_phase or not by_phase[earlier]:
        return None
    return round(by_phase[later] / by_phase[earlier], 3)
