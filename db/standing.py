"""A user's standing: the highest enforcement level among their open shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Share, User
from db.outbox import publish_standing
from domain.policy import DEFAULT_TRUST_POLICY
from domain.standing_changes import Standing

# Shares whose level still restricts the user; a dispute keeps the level it reached.
RESTRICTING_STATUSES = ("open", "disputed")


async def ensure_user(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        insert(User)
        .values(id=user_id, trust_score=DEFAULT_TRUST_POLICY.start)
        .on_conflict_do_nothing(index_elements=[User.id])
    )


async def recompute(
    session: AsyncSession, user_id: str, *, reason: str = "", at: datetime | None = None
) -> tuple[int, int]:
    """Sets users.enforcement_level from the open shares; returns (before, after).

    A notable standing change (level, block, trust crossing the threshold) is queued for the
    backend in the same transaction; `reason` and `at` (default: now) go with it.
    """
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    before = user.enforcement_level if user else 0
    level = await session.scalar(
        select(func.coalesce(func.max(Share.level), 0)).where(
            Share.user_id == user_id, Share.status.in_(RESTRICTING_STATUSES)
        )
    )
    after = 0 if (user and user.exempt) else int(level or 0)
    if after != before:
        await session.execute(
            update(User)
            .where(User.id == user_id)
            .values(enforcement_level=after, updated_at=func.now())
        )
    if user is not None:
        now = Standing(user_id, after, user.trust_score, user.blocked)
        await publish_standing(session, now, reason=reason, at=at or datetime.now(UTC))
    return before, after
