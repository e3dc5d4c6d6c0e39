"""The sign-up counts of the risk facts read sign-ups, not every decision of the address.

Every assessment is kept in `risk_decisions`, and the facts count the sign-ups of the last
hour from the request's device and address (db/risk/facts.py). An index on (address, time)
alone made that count walk every decision of the address in the hour, profit claims and
logins included: behind one address (a carrier's NAT, an office, the bench's events, or
someone flooding on purpose) each screening read more rows the more others had been
screened, and PostgreSQL's CPU per share rose with the open shares (12 ms at intake, 22 ms
with 10,000 open; session 15). The counts must cost the same however busy the address is.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from db.models import RiskDecisionRow
from db.risk.facts import FACTS

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
BUSY = 3000  # other users' profit claims and logins from one address and device, this hour
SIGNUPS = 3  # of which sign-ups: what the counts are about


def _decision(i: int, action: str) -> dict:
    return {
        "at": NOW - timedelta(minutes=30, seconds=i % 600),
        "user_id": f"u_busy_{i}",
        "action": action,
        "score": 0,
        "decision": "allow",
        "rules": [],
        "reasons_enc": "-",
        "linked_users": [],
        "ip_hash": "ip_busy",
        "device_fingerprint": "fp_busy",
        "settings_version": 1,
    }


def _risk_rows_read(plan: dict) -> int:
    """Rows PostgreSQL read from risk_decisions (and its indexes) to run the plan."""
    read = 0
    relation = plan.get("Relation Name") or plan.get("Index Name", "")
    if "risk_decisions" in relation:
        loops = plan.get("Actual Loops", 1)
        read += loops * (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0))
    for child in plan.get("Plans", []):
        read += _risk_rows_read(child)
    return read


def _sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


async def _generic_plan(conn, statement, params: dict) -> dict:
    """EXPLAIN ANALYZE of `statement` as psycopg runs it once prepared: PostgreSQL's generic
    plan, which cannot look at the bound values (a partial index whose condition is a
    bound value is of no use to it)."""
    compiled = statement.compile(dialect=conn.dialect)
    values = compiled.params | params
    names: list[str] = []

    def numbered(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", numbered, str(compiled))
    await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
    await conn.execute(text(f"PREPARE facts_plan AS {sql}"))
    arguments = ", ".join(_sql_literal(values[name]) for name in names)
    explained = f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE facts_plan({arguments})"
    plan = (await conn.execute(text(explained))).scalar_one()
    await conn.execute(text("DEALLOCATE facts_plan"))
    await conn.execute(text("RESET plan_cache_mode"))
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


async def test_sign_up_counts_read_sign_ups_only(deps):
    actions = ["profit_claim", "login"]
    rows = [_decision(i, actions[i % 2]) for i in range(BUSY)]
    rows += [_decision(BUSY + i, "signup") for i in range(SIGNUPS)]
    async with deps.sessions.begin() as s:
        await s.execute(insert(RiskDecisionRow), rows)
    async with deps.sessions() as s:
        await s.execute(text("ANALYZE risk_decisions"))
        await s.commit()
    params = {
        "user_id": "u_newcomer",
        "device": "fp_busy",
        "api_key": None,
        "ip_hash": "ip_busy",
        "hour_ago": NOW - timedelta(hours=1),
        "day_ago": NOW - timedelta(days=1),
    }
    async with deps.sessions() as s:
        conn = await s.connection()
        facts = (await conn.execute(FACTS, params)).one()
        plan = await _generic_plan(conn, FACTS, params)
    assert (facts.signups_from_ip_last_hour, facts.signups_from_device_last_hour) == (3, 3)
    read = _risk_rows_read(plan)
    assert read <= 10 * SIGNUPS, f"the counts read {read} decisions for {SIGNUPS} sign-ups"
