"""The standing outbox: changes the backend must hear about, queued in the transaction that
made them and delivered later, in order, by activities/notify/backend.py.

Writing the row with the change (not calling the backend from the ledger) means a change
is never lost and never announced without having happened; a retried ledger activity finds
the standing already published and queues nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StandingOutboxRow, User
from domain.policy import TrustPolicy
from domain.standing_changes import Standing, changes, event_type, from_payload, payload


def webhook_id() -> str:
    """Standard Webhooks' webhook-id: unique per message, kept across delivery attempts."""
    return f"msg_{uuid.uuid4().hex}"


def last_payload(user_id: str) -> ScalarSelect[Any]:
    """The payload of the standing last queued for the user (NULL if none), as a subquery."""
    return (
        select(StandingOutboxRow.payload)
        .where(StandingOutboxRow.user_id == user_id)
        .order_by(StandingOutboxRow.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def standing_of(data: Any, user_id: str, trust: TrustPolicy) -> Standing:
    """The standing a queued payload tells (a user never told about: the initial one)."""
    if data:
        return from_payload(data, trust.min_to_trade)
    return Standing.initial(user_id, trust)


async def last_published(session: AsyncSession, user_id: str, trust: TrustPolicy) -> Standing:
    """The standing the backend was last told about (or will be, once delivered)."""
    return standing_of(await session.scalar(select(last_payload(user_id))), user_id, trust)


async def enqueue_standing_change(
    session: AsyncSession, before: Standing, after: Standing, reason: str, at: datetime
) -> StandingOutboxRow | None:
    """Queues `after` for the backend if it differs from `before` in a way the backend is
    told about; returns the row, or None when nothing notable changed.

    Runs in the caller's transaction; the user's row lock serializes the seq numbers.
    """
    found = changes(before, after)
    if not found:
        return None
    await session.execute(select(User.id).where(User.id == after.user_id).with_for_update())
    last = await session.scalar(
        select(func.coalesce(func.max(StandingOutboxRow.seq), 0)).where(
            StandingOutboxRow.user_id == after.user_id
        )
    )
    row = StandingOutboxRow(
        user_id=after.user_id,
        seq=int(last or 0) + 1,
        webhook_id=webhook_id(),
        event_type=event_type(found),
        payload=payload(after, found, reason=reason, at=at),
    )
    session.add(row)
    await session.flush()
    return row


async def publish_standing(
    session: AsyncSession,
    now: Standing,
    trust: TrustPolicy,
    *,
    reason: str,
    at: datetime,
    published: Standing | None = None,
) -> StandingOutboxRow | None:
    """Queues the user's standing `now` if it changed notably since the last one queued.

    Comparing with the last *published* standing, not with the row's values earlier in
    this transaction, also catches changes made before (a trust move, a block by an admin)
    and makes a retried transaction queue nothing new. `published`: that standing, when the
    caller read it already in this transaction.
    """
    before = (
        published if published is not None else await last_published(session, now.user_id, trust)
    )
    return await enqueue_standing_change(session, before, now, reason, at)
