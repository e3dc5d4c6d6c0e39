"""The engine (db/engine.py): psycopg remembers the conversion of our long statements, a
pooled connection is pinged before use only after lying idle, and the pool lends the
connection given back last."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from psycopg import _queries
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.engine import async_url, autocommit, make_engine, ping_when_idle
from db.risk.facts import FACTS
from db.standing_read import _STANDING


async def test_the_long_statements_are_converted_once(deps):
    now = datetime.now(UTC)
    runs = [
        (FACTS, {"user_id": "u_nobody", "device": None, "api_key": None, "ip_hash": None,
                 "hour_ago": now, "day_ago": now}),
        (_STANDING, {"user_id": "u_nobody", "device": None, "api_key": None, "now": now}),
    ]  # fmt: skip
    for statement, params in runs:
        async with deps.sessions() as s:
            await autocommit(s)
            await s.execute(statement, params)  # converted and remembered (if not already)
            before = _queries._query2pg.cache_info()
            await s.execute(statement, params)
            after = _queries._query2pg.cache_info()
        assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)


@pytest.fixture
async def engine(database_url) -> AsyncIterator[AsyncEngine]:
    made = create_async_engine(async_url(database_url), pool_size=1, max_overflow=0)
    yield made
    await made.dispose()


def count_pings(engine: AsyncEngine, monkeypatch) -> list[int]:
    pings: list[int] = []
    dialect, real = engine.sync_engine.dialect, engine.sync_engine.dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda c: pings.append(1) or real(c))
    return pings


async def backend(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def end(engine: AsyncEngine, pid: int) -> None:
    """The server process behind a pooled connection ends (from another connection)."""
    other = create_async_engine(engine.url)
    async with other.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await other.dispose()


async def test_a_connection_given_back_a_moment_ago_is_used_without_a_ping(engine, monkeypatch):
    ping_when_idle(engine, after_s=0.3)
    pings = count_pings(engine, monkeypatch)
    first = await backend(engine)  # a new connection: not pinged
    assert await backend(engine) == first
    assert pings == []
    await asyncio.sleep(0.4)
    assert await backend(engine) == first
    assert pings == [1]  # idle past after_s: pinged, alive


async def test_an_idle_connection_whose_server_process_ended_is_replaced_before_use(engine):
    ping_when_idle(engine, after_s=0.2)
    first = await backend(engine)
    await end(engine, first)
    await asyncio.sleep(0.3)
    assert await backend(engine) != first  # the ping found it dead; nothing failed


async def test_within_the_idle_time_a_dead_connection_fails_one_statement_only(engine):
    """What is given up for the round trip: the one statement that finds it dead."""
    ping_when_idle(engine, after_s=60)
    first = await backend(engine)
    await end(engine, first)
    await asyncio.sleep(0.1)
    with pytest.raises(DBAPIError) as failed:
        await backend(engine)
    assert failed.value.connection_invalidated
    assert await backend(engine) != first


async def test_psycopg_forgets_a_connections_prepared_statements_at_a_rollback(engine):
    """Why one-statement reads run without a transaction (db/engine.autocommit): psycopg
    prepares a statement on its sixth run on a connection, and a ROLLBACK makes it forget
    every statement it prepared there (DEALLOCATE ALL, one more round trip). Planning the
    standing read again cost 3 ms against 0.9 prepared (session 14). Should psycopg change
    this, the reason for those autocommits goes too."""
    prepared = text("SELECT count(*) FROM pg_prepared_statements")
    async with engine.connect() as conn:
        for _ in range(6):
            await conn.execute(text("SELECT 1 + :n"), {"n": 1})
        assert await conn.scalar(prepared) == 1
        await conn.commit()
        assert await conn.scalar(prepared) == 1  # a COMMIT keeps them
        await conn.rollback()
        assert await conn.scalar(prepared) == 0


async def test_the_pool_lends_the_connection_given_back_last(database_url):
    """Last in, first out: a quiet process keeps using one warm connection (its statements
    prepared, no ping), where first in, first out walked the whole pool in turn."""
    engine = make_engine(database_url, pool_size=3)
    try:
        async with engine.connect() as a, engine.connect() as b, engine.connect() as c:
            pids = [(await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                    for conn in (a, b, c)]  # fmt: skip
        # Given back c, b, a (the blocks close inside out): a came back last.
        assert [await backend(engine) for _ in range(3)] == [pids[0]] * 3
    finally:
        await engine.dispose()
