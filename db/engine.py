"""Engine and session factory; one async engine per process."""

from __future__ import annotations

import time
from typing import Any

from psycopg import _queries
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# psycopg remembers how it turned a statement's placeholders into PostgreSQL's only for
# statements under 4 KiB (it guards against ORMs' ever-different multi-row INSERTs). The risk
# facts and the standing read are longer, built once and run on every assessment and read:
# each call split them again with a regex (0.25 ms an assessment under cProfile). Ours are
# a fixed set (tests/db/test_engine.py checks both are remembered; the name is psycopg's,
# pinned).
_queries.MAX_CACHED_STATEMENT_LENGTH = 16 * 1024


def async_url(url: str) -> str:
    """psycopg 3 serves both sync and async; normalise plain postgres URLs to it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # Last in, first out: the connection given back last is lent next, so a process uses
    # as few connections as its concurrency needs and each stays warm. psycopg prepares a
    # statement on its sixth run on one connection: the API's pool of 32, lent in turn,
    # ran a standing read unprepared (3.9 ms against 0.9) for its first 160 requests after
    # a start, and a connection idle past PING_AFTER_IDLE_S is pinged first (session 15).
    engine = create_async_engine(
        async_url(url), pool_size=pool_size, max_overflow=20, pool_use_lifo=True
    )
    ping_when_idle(engine)
    return engine


# A pooled connection is pinged before use only when it has lain idle this long.
PING_AFTER_IDLE_S = 1.0
_RETURNED_AT = "profitshare_returned_at"


def ping_when_idle(engine: AsyncEngine, *, after_s: float = PING_AFTER_IDLE_S) -> None:
    """SQLAlchemy's pre-ping, but only for a connection idle `after_s` or more.

    The pre-ping was a round trip before every use of a pooled connection: a sixth of a
    share's round trips, a third of a risk assessment's, half a standing read's (issue 20:
    their latency under load). A connection given back a moment ago is alive unless the
    server died in that moment, and PostgreSQL does not come back within a second: after a
    restart every connection has been idle longer and is pinged (a dead one is replaced
    before use, as before). What is given up: a server process ended within the second (a
    fast failover, pg_terminate_backend) fails the one statement that finds it, as it would
    mid-transaction anyway; SQLAlchemy then drops every pooled connection older than that.
    """
    sync = engine.sync_engine
    dialect = sync.dialect

    def stamp(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < after_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.InvalidatePoolError() from err  # SQLAlchemy reconnects, as pre-ping
            raise

    event.listen(sync, "connect", stamp)  # a new connection needs no ping
    event.listen(sync, "checkin", stamp)
    event.listen(sync, "checkout", ping_if_idle)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def autocommit(s: AsyncSession) -> None:
    """From here on, each of `s`'s statements commits by itself, in the server.

    For a read of one statement, or writes that are each whole on their own: no BEGIN before
    and no ROLLBACK or COMMIT after, two round trips fewer, and no row lock held while this
    process gets back to the connection (a busy API process gets back late). Call it first.

    Reads matter most: a session that only read ends in a ROLLBACK, and at a ROLLBACK psycopg
    forgets every statement it prepared on the connection (DEALLOCATE ALL, one more round
    trip). Each share's screening did so once: 11% of the statements PostgreSQL ran during
    intake were prepared, 91% once it stopped (session 14, performance.md).
    """
    await s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
