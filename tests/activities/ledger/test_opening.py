"""Opening a share (OPEN_SHARE with its `screening` status, ShareWorkflowV3's first step): the
row comes back from its own insert, sealed from the start, and a retry changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from activities import contracts as c
from db.models import AuditEntry, Share
from db.shares import canonical
from tests.support.records import ledger
from tests.support.scenario import profit_event, register_account, store_event
from tests.support.statements import statements


async def _event(deps):
    user_id = f"u_open_{datetime.now(UTC):%H%M%S%f}"
    account_id = await register_account(deps, user_id, "key", "secret")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    event = profit_event(user_id, account_id, start=start, reported=Decimal("1000"))
    await store_event(deps, event)
    return event


def _screening(event) -> c.SetStatusInput:
    return c.SetStatusInput(
        event_id=event.event_id, user_id=event.user_id, status="screening", at=datetime.now(UTC)
    )


async def _stored(deps, event) -> tuple[Share, int]:
    async with deps.sessions() as s:
        share = await s.get(Share, event.event_id)
        entries = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.subject == event.event_id)
        )
    assert share is not None
    return share, entries or 0


def _sealed(deps, share: Share) -> bool:
    return share.verification_hash == deps.hasher.digest(canonical(share, deps.cipher))


async def test_a_share_is_one_insert_sealed_from_the_start(deps):
    books = ledger(deps)
    first = await _event(deps)
    await books.open_screening(first, _screening(first))  # the process's audit key is known
    event = await _event(deps)
    with statements() as seen:
        await books.open_screening(event, _screening(event))
    share_sql = [sql for sql, _ in seen if "shares" in sql.split("(")[0]]
    assert len(share_sql) == 1 and share_sql[0].startswith("INSERT INTO shares"), share_sql
    assert "RETURNING" in share_sql[0]
    share, entries = await _stored(deps, event)
    assert share.status == "screening" and _sealed(deps, share)
    assert entries == 2  # received, screening


async def test_a_retried_opening_finds_the_share_and_changes_nothing(deps):
    books = ledger(deps)
    event = await _event(deps)
    await books.open_screening(event, _screening(event))
    before, _ = await _stored(deps, event)
    with statements() as seen:
        await books.open_screening(event, _screening(event))
    assert not any(sql.startswith("UPDATE shares") for sql, _ in seen)
    share, entries = await _stored(deps, event)
    assert (share.verification_hash, share.updated_at) == (
        before.verification_hash,
        before.updated_at,
    )
    assert _sealed(deps, share) and entries == 2
