"""The standing and share reads (issue 20: one query per read) find their rows through
indexes: with sequential scans priced out (`enable_seqscan = off`), PostgreSQL still scans
a table whole only when no index serves the condition, and the plan says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, text

from db.models import Share
from db.shares import WHOLE_SHARE
from db.standing_read import standing_statement

MOMENT = datetime(2026, 11, 30, tzinfo=UTC)
# Terms versions are a handful of rows that only ops write: scanned whole on purpose.
SMALL_TABLES = {"terms"}


def _scanned_whole(plan: dict) -> set[str]:
    found = set()
    if plan.get("Node Type") == "Seq Scan":
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= _scanned_whole(child)
    return found


async def _plan(deps, statement, params: dict) -> set[str]:
    """The tables PostgreSQL would scan whole to run `statement`."""
    async with deps.sessions() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        sql = statement.params(params).compile(
            dialect=s.bind.dialect, compile_kwargs={"literal_binds": True}
        )
        result = await s.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"))
        plan = result.scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _scanned_whole(plan[0]["Plan"])


@pytest.mark.parametrize(
    ("name", "statement", "params"),
    [
        (
            "standing",
            standing_statement(),
            {"user_id": "u_plan", "device": None, "api_key": None, "now": MOMENT},
        ),
        ("share", WHOLE_SHARE, {"event_id": "evt_plan"}),
    ],
)
async def test_reads_use_indexes(deps, name, statement, params):
    scanned = await _plan(deps, statement, params)
    assert scanned - SMALL_TABLES == set(), f"{name} read scans whole tables: {scanned}"


async def test_a_condition_no_index_serves_is_caught(deps):
    """The check itself: a read on a column without an index shows as a whole-table scan."""
    unindexed = select(Share).where(Share.closed_reason == bindparam("reason"))
    assert await _plan(deps, unindexed, {"reason": "waived"}) == {"shares"}
