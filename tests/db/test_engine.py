"""psycopg remembers the conversion of our long statements (db/engine.py): a risk
assessment or a standing read does not split its SQL again on every call."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg import _queries

from db.engine import autocommit
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
