"""The intake queue in `profit_events`: events recorded but not yet started (started_at NULL),
and the count of shares still opening, which bounds how many the starter lets in.

A share is *opening* from its start until its record says `open` (or anything past the
opening steps): that is when its workflow does the most work, a dozen tasks close together.
A share stuck before `open` for longer than OPENING_HORIZON (the exchange is down, say) stops
counting, so one stalled exchange slows admission but never stops it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProfitEventRow, Share
from domain.models import OPENING_STATUSES

OPENING_HORIZON = timedelta(minutes=2)
# An event waiting for the starter: recorded, its workflow not yet started.
QUEUED = ProfitEventRow.started_at.is_(None)


@dataclass(frozen=True)
class Queued:
    event_id: str
    body_enc: str


async def claim_queued(s: AsyncSession, limit: int, *, skip: Collection[str] = ()) -> list[Queued]:
    """The oldest queued events but `skip`, locked for this transaction; rows another starter
    holds are skipped, so replicas share the queue without waiting on each other.

    FOR NO KEY UPDATE, not FOR UPDATE: a share started in this round writes its `shares` row
    (a foreign key to this one) before the round commits, and its key-share check must not
    wait for the round (the bench's lock waits showed it did)."""
    passed_over = ProfitEventRow.event_id.not_in(skip) if skip else true()
    rows = await s.execute(
        select(ProfitEventRow.event_id, ProfitEventRow.body_enc)
        .where(QUEUED, passed_over)
        .order_by(ProfitEventRow.received_at)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    return [Queued(event_id, body) for event_id, body in rows]


async def mark_started(s: AsyncSession, event_ids: Sequence[str], at: datetime) -> None:
    if event_ids:
        await s.execute(
            update(ProfitEventRow)
            .where(ProfitEventRow.event_id.in_(event_ids))
            .values(started_at=at)
        )


async def opening(s: AsyncSession, now: datetime) -> int:
    """Shares started within the horizon whose record is not yet past the opening steps."""
    return (
        await s.scalar(
            select(func.count())
            .select_from(ProfitEventRow)
            .outerjoin(Share, Share.event_id == ProfitEventRow.event_id)
            .where(
                ProfitEventRow.started_at >= now - OPENING_HORIZON,
                Share.event_id.is_(None) | Share.status.in_(OPENING_STATUSES),
            )
        )
        or 0
    )


async def queued_count(s: AsyncSession) -> int:
    return await s.scalar(select(func.count()).select_from(ProfitEventRow).where(QUEUED)) or 0
