"""Opening a share (OPEN_SHARE with its `screening` status, ShareWorkflowV3's first step): the
row comes back from its own insert, sealed from the start, and a retry changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import AuditEntry, Share
from tests.support.records import is_sealed, ledger, status_of, stored_event
from tests.support.statements import statements


async def _stored(deps, event) -> tuple[Share, int]:
    async with deps.sessions() as s:
        share = await s.get(Share, event.event_id)
        entries = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.subject == event.event_id)
        )
    assert share is not None
    return share, entries or 0


async def test_a_share_is_one_insert_sealed_from_the_start(deps):
    books = ledger(deps)
    first = await stored_event(deps)  # opened first: the process's audit key is known
    await books.open_screening(first, status_of(first, "screening"))
    event = await stored_event(deps)
    with statements() as seen:
        await books.open_screening(event, status_of(event, "screening"))
    share_sql = [sql for sql, _ in seen if "shares" in sql.split("(")[0]]
    assert len(share_sql) == 1 and share_sql[0].startswith("INSERT INTO shares"), share_sql
    assert "RETURNING" in share_sql[0]
    share, entries = await _stored(deps, event)
    assert share.status == "screening" and is_sealed(deps, share)
    assert entries == 2  # received, screening


async def test_a_retried_opening_finds_the_share_and_changes_nothing(deps):
    books = ledger(deps)
    event = await stored_event(deps)
    await books.open_screening(event, status_of(event, "screening"))
    before, _ = await _stored(deps, event)
    with statements() as seen:
        await books.open_screening(event, status_of(event, "screening"))
    assert not any(sql.startswith("UPDATE shares") for sql, _ in seen)
    share, entries = await _stored(deps, event)
    assert (share.verification_hash, share.updated_at) == (
        before.verification_hash,
        before.updated_at,
    )
    assert is_sealed(deps, share) and entries == 2
