"""The bench's reading of the workers' sticky-cache counters (benchmarks/worker_cache.py)."""

from __future__ import annotations

from benchmarks.worker_cache import read_counters

# As a worker's Temporal runtime serves them: one series per workflow type.
_PROCESS_0 = """\
# HELP temporal_sticky_cache_hit Count of times the workflow cache was used
# TYPE temporal_sticky_cache_hit counter
temporal_sticky_cache_hit{task_queue="q",workflow_type="ShareWorkflowV4"} 393
temporal_sticky_cache_hit{task_queue="q",workflow_type="ReportWorkflow"} 7
# HELP temporal_sticky_cache_miss Count of times the workflow cache was missed
# TYPE temporal_sticky_cache_miss counter
temporal_sticky_cache_miss{task_queue="q",workflow_type="ShareWorkflowV4"} 12
# HELP temporal_sticky_cache_size Current cache size
# TYPE temporal_sticky_cache_size gauge
temporal_sticky_cache_size{task_queue="q"} 500
"""
_PROCESS_1 = """\
# TYPE temporal_sticky_cache_hit_total counter
temporal_sticky_cache_hit_total{task_queue="q",workflow_type="ShareWorkflowV4"} 100
# TYPE temporal_sticky_cache_total_forced_eviction counter
temporal_sticky_cache_total_forced_eviction{task_queue="q"} 30
"""


def test_counters_are_summed_over_workflow_types_and_processes():
    assert read_counters([_PROCESS_0, _PROCESS_1]) == {
        "hits": 500,
        "misses": 12,
        "forced_evictions": 30,
    }


def test_a_worker_without_a_cache_yet_counts_nothing():
    assert read_counters([""]) == {"hits": 0, "misses": 0, "forced_evictions": 0}
