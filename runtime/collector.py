"""The garbage collector in a long-running server process.

CPython's collector walks every tracked object in a full pass. What a server builds as it
starts (its imports, its app and its settings) lives as long as the process, yet
each full pass walked it again: in the bench (issue 20) the API spent a fifth of its CPU in
the collector, 165 ms a full pass, a pause for every request in flight. `gc.freeze()` moves
what is alive at that moment out of the collector's reach for good; what is made later is
collected as before. The worker's supervisor does the same before it forks its children
(workers/processes.py), so that their shared pages stay shared.
"""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Call once, when the process has started and before it serves: garbage made while
    starting is collected first, so that none of it is kept for good."""
    gc.collect()
    gc.freeze()
