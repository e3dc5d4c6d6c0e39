"""A user's standing: the highest enforcement level among their open shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer, ScalarSelect, String, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import consents
from db.crypto import RecordHasher
from db.models import Share, User
from db.outbox import last_payload, publish_standing, standing_of
from db.seals import default_user_record, seal_of, seal_row
from domain.policy import TrustPolicy
from domain.standing_changes import Standing

if TYPE_CHECKING:
    from db.audited import Audit

# Shares whose level still restricts the user; a dispute keeps the level it reached.
RESTRICTING_STATUSES = ("open", "disputed")


def _restricting_level(user_id: str) -> ScalarSelect[int]:
    """The highest level among the user's restricting shares (0 if none), as a subquery."""
    return (
        select(func.coalesce(func.max(Share.level), 0))
        .where(Share.user_id == user_id, Share.status.in_(RESTRICTING_STATUSES))
        .scalar_subquery()
    )


# Built once (also used as a CTE by the risk decisions' insert); run with new_user_params.
ENSURE_USER = (
    insert(User)
    .values(
        id=bindparam("user_id", type_=String),
        trust_score=bindparam("trust_start", type_=Integer),
        blocked=False,
        exempt=False,
        enforcement_level=0,
        seal=bindparam("user_seal", type_=String),
    )
    .on_conflict_do_nothing(index_elements=[User.id])
)


def new_user_params(hasher: RecordHasher, user_id: str, trust: TrustPolicy) -> dict[str, object]:
    """ENSURE_USER's parameters: the id, the configured starting trust and the seal of a new
    user's standing."""
    record = default_user_record(user_id, trust.start)
    return {
        "user_id": user_id,
        "trust_start": trust.start,
        "user_seal": seal_of(hasher, "user", record),
    }


async def ensure_user(
    session: AsyncSession, hasher: RecordHasher, user_id: str, trust: TrustPolicy
) -> None:
    await session.execute(ENSURE_USER, new_user_params(hasher, user_id, trust))


async def recompute(
    session: AsyncSession,
    hasher: RecordHasher,
    user_id: str,
    trust: TrustPolicy,
    *,
    reason: str = "",
    at: datetime | None = None,
) -> tuple[int, int]:
    """Sets users.enforcement_level from the open shares and reseals the user's standing;
    returns (before, after).

    A notable standing change (level, block, trust crossing the threshold) is queued for the
    backend in the same transaction; `reason` and `at` (default: now) go with it.
    """
    moment = at or datetime.now(UTC)
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    # What the standing is made of, in one statement after the lock: its snapshot is taken
    # once the row is ours, so it sees what the transaction we waited for committed (setting
    # terms queues every user's standing and locks their rows without their audit chain).
    level, terms_ok, published = (
        await session.execute(
            select(
                _restricting_level(user_id),
                consents.accepted_current_clause(literal(user_id), moment),
                last_payload(user_id),
            )
        )
    ).one()
    if user is None:  # no such user: nothing to seal or publish
        return 0, int(level or 0)
    before = user.enforcement_level
    after = 0 if user.exempt else int(level or 0)
    if after != before:
        user.enforcement_level, user.updated_at = after, func.now()
    seal_row(user, hasher)
    now = Standing(
        user_id,
        after,
        user.trust_score,
        user.blocked,
        terms_accepted=bool(terms_ok),
        min_trust=trust.min_to_trade,
    )
    await publish_standing(
        session,
        now,
        trust,
        reason=reason,
        at=moment,
        published=standing_of(published, user_id, trust),
    )
    return before, after


async def set_blocked(a: Audit, user_id: str, *, blocked: bool, reason: str, at: datetime) -> bool:
    """Blocks or unblocks a user in the audited change `a`; False when the user already was so.

    Raises:
        LookupError: no such user.
    """
    user = await a.user(user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    if user.blocked == blocked:
        return False
    action = "user.blocked" if blocked else "user.unblocked"
    await a.record(
        action,
        subject=f"user/{user_id}",
        key=f"user/{user_id}:{action}:{at.isoformat()}",
        details={"reason": reason},
        at=at,
    )
    user.blocked, user.updated_at = blocked, func.now()
    a.restanding(user_id)
    return True
