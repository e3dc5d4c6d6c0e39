"""The bench's machine-speed samples (benchmarks/machine_speed.py)."""

from __future__ import annotations

from benchmarks.machine_speed import drift, sample_ms


def test_a_sample_is_a_positive_time():
    assert sample_ms() > 0


def test_drift_is_the_later_sample_over_the_earlier():
    by_phase = {"intake": 20.0, "burst": 25.0}
    assert drift(by_phase, "intake", "burst") == 1.25
    assert drift(by_phase, "burst", "intake") == 0.8


def test_drift_is_none_when_a_phase_was_not_sampled():
    # A run that failed before the burst has no burst sample: no figure, rather than a guess.
    assert drift({"intake": 20.0}, "intake", "burst") is None
    assert drift({}, "start", "end") is None
