"""A status write changes the share's row once: its status and its seal in one UPDATE, with
the audit entry written before it and no flush in between."""

from __future__ import annotations

from datetime import UTC, datetime

from activities import contracts as c
from db.models import Share
from db.shares import canonical
from tests.activities.ledger.test_opening import _event, _screening
from tests.support.records import ledger
from tests.support.statements import statements


async def test_a_status_write_is_one_update_of_the_share(deps):
    books = ledger(deps)
    event = await _event(deps)
    await books.open_screening(event, _screening(event))
    verifying = c.SetStatusInput(
        event_id=event.event_id, user_id=event.user_id, status="verifying", at=datetime.now(UTC)
    )
    with statements() as seen:
        await books.set_status(verifying)
    updates = [sql for sql, _ in seen if sql.startswith("UPDATE shares")]
    assert len(updates) == 1, updates
    assert "status=" in updates[0] and "verification_hash=" in updates[0]
    async with deps.sessions() as s:
        share = await s.get(Share, event.event_id)
    assert share is not None and share.status == "verifying"
    assert share.verification_hash == deps.hasher.digest(canonical(share, deps.cipher))
