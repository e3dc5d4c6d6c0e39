"""Engine and session factory; one async engine per process."""

from __future__ import annotations

from psycopg import _queries
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# psycopg remembers how it turned a statement's placeholders into PostgreSQL's only for
# statements under 4 KiB (it guards against ORMs' ever-different multi-row INSERTs). The risk
# facts and the standing read are longer, built once and run on every assessment and read:
# each call split them again with a regex, about 0.1 ms of CPU. Ours are a fixed set
# (tests/db/test_engine.py checks both are remembered; the name is psycopg's, pinned).
_queries.MAX_CACHED_STATEMENT_LENGTH = 16 * 1024


def async_url(url: str) -> str:
    """psycopg 3 serves both sync and async; normalise plain postgres URLs to it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        async_url(url), pool_size=pool_size, max_overflow=20, pool_pre_ping=True
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def autocommit(s: AsyncSession) -> None:
    """From here on, each of `s`'s statements commits by itself, in the server.

    For a read of one statement, or writes that are each whole on their own: no BEGIN before
    and no ROLLBACK or COMMIT after, two round trips fewer, and no row lock held while this
    process gets back to the connection (a busy API process gets back late). Call it first.
    """
    await s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
