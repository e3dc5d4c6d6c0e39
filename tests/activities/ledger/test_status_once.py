"""A share takes each status once, whenever the write is retried (SET_STATUS).

ShareWorkflowV3 runs SET_STATUS as a local activity: if the worker dies after its commit and
before the workflow task completes, the retried task runs it again with a new workflow.now().
The status must not be audited twice, and a loss must not be carried twice (the user's next
profits would be billed too little). A retry of a write an older worker made under the
former key (status and moment) must find it too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from activities import contracts as c
from activities.ledger.trust import carried_losses
from db.audited import audited_in
from db.models import AuditEntry, User
from domain.models import VerificationSummary
from tests.support.records import ledger, stored_event

LOSS = Decimal("-80.00")


def _no_share(event, at: datetime) -> c.SetStatusInput:
    verification = VerificationSummary(agreed=True, verified_profit=LOSS, methods={"fifo": LOSS})
    return c.SetStatusInput(
        event_id=event.event_id,
        user_id=event.user_id,
        status="no_share",
        at=at,
        verification=verification,
    )


async def _entries_and_loss(deps, event) -> tuple[int, Decimal]:
    async with deps.sessions() as s:
        entries = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.subject == event.event_id, AuditEntry.action == "share.no_share")
        )
        user = await s.get(User, event.user_id)
        assert user is not None
        return entries, carried_losses(user, deps.cipher).get(event.currency, Decimal(0))


async def test_a_retried_status_write_with_a_new_moment_is_written_once(deps):
    books = ledger(deps, high_water_mark=True)
    event = await stored_event(deps, LOSS)
    await books.open_share(event)
    at = datetime.now(UTC)
    await books.set_status(_no_share(event, at))
    await books.set_status(_no_share(event, at + timedelta(seconds=3)))  # the retried task
    assert await _entries_and_loss(deps, event) == (1, Decimal("80.00"))


async def test_a_retry_finds_a_write_made_under_the_former_key(deps):
    books = ledger(deps, high_water_mark=True)
    event = await stored_event(deps, LOSS)
    await books.open_share(event)
    at = datetime.now(UTC)
    async with (
        deps.sessions.begin() as s,
        audited_in(s, deps.auditor, actor="worker", partition=event.user_id) as a,
    ):
        await a.record(  # as an older worker wrote it (its loss already carried)
            "share.no_share",
            at=at,
            subject=event.event_id,
            key=f"{event.event_id}:status:no_share:{at.isoformat()}",
        )
    await books.set_status(_no_share(event, at))
    entries, carried = await _entries_and_loss(deps, event)
    assert (entries, carried) == (1, Decimal(0))  # nothing new written, nothing carried again


async def test_no_share_after_a_review_carries_the_loss_the_admin_decided(deps):
    """The exchange said -80.00; the admin decided -30.00: 30.00 is what later profits must
    earn back first, not 80.00 (which would bill the user too little)."""
    books = ledger(deps, high_water_mark=True)
    event = await stored_event(deps, LOSS)
    await books.open_share(event)
    decided = _no_share(event, datetime.now(UTC)).model_copy(
        update={"decided_profit": Decimal("-30.00")}
    )
    await books.set_status(decided)
    assert await _entries_and_loss(deps, event) == (1, Decimal("30.00"))
