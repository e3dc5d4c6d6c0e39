"""A status write changes the share's row once: its status and its seal in one UPDATE, with
the audit entry written before it and no flush in between."""

from __future__ import annotations

from db.models import Share
from tests.support.records import is_sealed, ledger, status_of, stored_event
from tests.support.statements import statements


async def test_a_status_write_is_one_update_of_the_share(deps):
    books = ledger(deps)
    event = await stored_event(deps)
    await books.open_screening(event, status_of(event, "screening"))
    with statements() as seen:
        await books.set_status(status_of(event, "verifying"))
    updates = [sql for sql, _ in seen if sql.startswith("UPDATE shares")]
    assert len(updates) == 1, updates
    assert "status=" in updates[0] and "verification_hash=" in updates[0]
    async with deps.sessions() as s:
        share = await s.get(Share, event.event_id)
    assert share is not None and share.status == "verifying"
    assert is_sealed(deps, share)
