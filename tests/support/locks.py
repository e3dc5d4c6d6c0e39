"""Transactions blocked on a lock, seen from PostgreSQL: a local activity (ShareWorkflowV3's
ledger writes) leaves nothing in the workflow's history until it ends, but its transaction
waiting on a lock the test holds shows here."""

from __future__ import annotations

from sqlalchemy import text

from runtime.deps import Deps


async def waiting_on_a_lock(deps: Deps) -> int:
    async with deps.sessions() as s:
        return await s.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
