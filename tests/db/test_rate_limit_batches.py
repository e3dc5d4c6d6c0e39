"""Rate-limit counts in batches: exact in one process, one statement for a key's first hit in
a window and one per batch after it, every process's hits in the answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from db import rate_limits
from db.rate_limit_batches import BatchedWindowCounts
from db.rate_limits import PostgresWindowCounters


@pytest.fixture(autouse=True)
def no_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """A count sweeps ended windows by chance (1 in 100); these tests count the statements a
    count sends, so the chance is taken out (CI once saw the sweep as a second statement)."""
    monkeypatch.setattr(rate_limits, "SWEEP_CHANCE", 0.0)


def key() -> str:
    return f"t/{uuid.uuid4().hex}"


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "rate_limit_windows" in statement:
            seen.append(statement)

    event.listen(Engine, "after_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "after_cursor_execute", count)


async def test_one_process_counts_exactly_in_one_statement_per_batch(deps):
    counts, k = BatchedWindowCounts(PostgresWindowCounters(deps.sessions)), key()
    with counting_statements() as seen:
        answers = [(await counts.incr_many([(k, 60, 1)]))[k][0] for _ in range(50)]
        assert len(seen) == 1  # the first hit; the other 49 wait for the batch
        await counts.flushed()
    assert answers == list(range(1, 51))
    assert len(seen) == 2
    assert await PostgresWindowCounters(deps.sessions).get(k) == 50


async def test_two_processes_see_each_others_hits_after_a_batch(deps):
    a, b = (BatchedWindowCounts(PostgresWindowCounters(deps.sessions)) for _ in range(2))
    k = key()
    for _ in range(10):
        await a.incr_many([(k, 60, 1)])
    await a.flushed()
    assert (await b.incr_many([(k, 60, 1)]))[k][0] == 11  # b's first: counted in PostgreSQL
    for _ in range(4):
        await b.incr_many([(k, 60, 1)])
    await b.flushed()
    assert (await a.incr_many([(k, 60, 1)]))[k][0] == 11  # a has not heard of b's four yet
    await a.flushed()
    assert (await a.incr_many([(k, 60, 1)]))[k][0] == 17  # a's batch brought them back


async def test_a_batch_that_fails_goes_with_the_next(deps):
    real = PostgresWindowCounters(deps.sessions)

    class FailsOnce(PostgresWindowCounters):
        failed = False

        async def incr_many(self, hits):  # type: ignore[no-untyped-def]
            if hits[0][2] > 1 and not self.failed:  # the first batch, not a first hit
                self.failed = True
                raise OperationalError("UPDATE", {}, ConnectionError("postgres away"))
            return await real.incr_many(hits)

    counts, k = BatchedWindowCounts(FailsOnce(deps.sessions)), key()
    for _ in range(5):
        await counts.incr_many([(k, 60, 1)])
    await counts.flushed()  # failed once, logged, sent again
    assert await real.get(k) == 5


async def test_after_its_window_a_key_is_counted_again_from_one(deps):
    counts, k = BatchedWindowCounts(PostgresWindowCounters(deps.sessions)), key()
    for _ in range(3):
        await counts.incr_many([(k, 1, 1)])
    await asyncio.sleep(1.1)
    with counting_statements() as seen:
        assert (await counts.incr_many([(k, 1, 1)]))[k][0] == 1
    assert len(seen) == 1  # not taken from what this process held
    await counts.flushed()


async def test_ended_windows_are_forgotten_even_when_no_key_comes_twice(deps):
    """A flood from ever-new addresses is all first hits: nothing is batched, and the windows
    held here are still dropped once they end."""
    counts = BatchedWindowCounts(PostgresWindowCounters(deps.sessions))
    await counts.incr_many([(key(), 1, 1) for _ in range(20)])
    assert counts.held() == 20
    await asyncio.sleep(1.1)
    await counts.incr_many([(key(), 1, 1)])
    assert counts.held() == 1
