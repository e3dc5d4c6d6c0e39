"""The SQL statements a block runs, and whether each ran inside a transaction (issue 20
counts round trips: a BEGIN and its COMMIT or ROLLBACK are two more)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

# Set for the request under test only: the worker's own statements (a share's effects may
# still run) are not counted; tasks the request starts inherit it.
_COUNTING: ContextVar[bool] = ContextVar("counting", default=False)


@contextmanager
def statements() -> Iterator[list[tuple[str, bool]]]:
    """Each statement run in the block (the rate limiter's own left out: api/limits.py), and
    whether it ran inside a transaction."""
    seen: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if _COUNTING.get() and "rate_limit_windows" not in statement:
            status = conn.connection.driver_connection.info.transaction_status
            seen.append((statement, status != TransactionStatus.IDLE))

    event.listen(Engine, "after_cursor_execute", count)
    token = _COUNTING.set(True)
    try:
        yield seen
    finally:
        _COUNTING.reset(token)
        event.remove(Engine, "after_cursor_execute", count)
