"""A user's standing: the highest enforcement level among their open shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, consents
from db.crypto import FieldCipher
from db.models import Share, User
from db.outbox import publish_standing
from domain.policy import DEFAULT_TRUST_POLICY
from domain.standing_changes import Standing

# Shares whose level still restricts the user; a dispute keeps the level it reached.
RESTRICTING_STATUSES = ("open", "disputed")


# Built once (also used as a CTE by the risk decisions' insert); run with {"user_id": ...}.
ENSURE_USER = (
    insert(User)
    .values(
        id=bindparam("user_id", type_=String),
        trust_score=DEFAULT_TRUST_POLICY.start,
        blocked=False,
        exempt=False,
        enforcement_level=0,
    )
    .on_conflict_do_nothing(index_elements=[User.id])
)


async def ensure_user(session: AsyncSession, user_id: str) -> None:
    await session.execute(ENSURE_USER, {"user_id": user_id})


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
        moment = at or datetime.now(UTC)
        terms_ok = await consents.accepted_current(session, user_id, moment)
        now = Standing(user_id, after, user.trust_score, user.blocked, terms_accepted=terms_ok)
        await publish_standing(session, now, reason=reason, at=at or datetime.now(UTC))
    return before, after


async def set_blocked(
    session: AsyncSession,
    cipher: FieldCipher,
    user_id: str,
    *,
    blocked: bool,
    actor: str,
    reason: str,
    at: datetime,
) -> bool:
    """Blocks or unblocks a user (audited); False when the user already was so.

    Raises:
        LookupError: no such user.
    """
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise LookupError(f"no user {user_id}")
    if user.blocked == blocked:
        return False
    user.blocked, user.updated_at = blocked, func.now()
    action = "user.blocked" if blocked else "user.unblocked"
    await audit.append(
        session,
        cipher,
        at=at,
        actor=actor,
        action=action,
        subject=f"user/{user_id}",
        key=f"user/{user_id}:{action}:{at.isoformat()}",
        details={"reason": reason},
    )
    await recompute(session, user_id)
    return True
