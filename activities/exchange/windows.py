"""Time windows for the exchange's history queries: Binance answers a time query for one
window at most (myTrades 24 h, deposit and withdrawal history 90 days), and a lone startTime
silently means "that window from here", so a longer span must be asked window by window."""

from __future__ import annotations

from collections.abc import Iterator


def windows(start_ms: int, end_ms: int, width_ms: int) -> Iterator[tuple[int, int]]:
    """[start_ms, end_ms] as consecutive inclusive (lo, hi) windows, each hi - lo < width_ms
    (Binance: "less than" the limit); nothing when end_ms < start_ms."""
    lo = start_ms
    while lo <= end_ms:
        hi = min(lo + width_ms - 1, end_ms)
        yield lo, hi
        lo = hi + 1
