"""What a user's effective trust is read from: account age and the API keys they connected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ExchangeAccount, ProfitEventRow, User
from domain.policy import TrustPolicy, effective_trust, trust_signals


def counts(user_id: ColumnElement[str]) -> tuple[ScalarSelect[int], ScalarSelect[int]]:
    """The API keys the user connected and the sessions they were billed for, as two scalar
    subqueries on `user_id` (a parameter, or a column of an enclosing statement)."""
    keys = select(func.count(distinct(ExchangeAccount.api_key_fingerprint))).where(
        ExchangeAccount.user_id == user_id
    )
    sessions = (
        select(func.count()).select_from(ProfitEventRow).where(ProfitEventRow.user_id == user_id)
    )
    return keys.scalar_subquery(), sessions.scalar_subquery()


def signals_from(
    policy: TrustPolicy, user: User, now: datetime, *, api_keys: int, sessions: int
) -> dict[str, int]:
    return trust_signals(
        policy,
        account_age_days=max(0, (now - user.created_at).days),
        api_keys=int(api_keys or 0),
        sessions=int(sessions or 0),
    )


async def signals_of(
    session: AsyncSession, user: User, now: datetime, policy: TrustPolicy
) -> dict[str, int]:
    keys, sessions = counts(literal(user.id))
    found = (await session.execute(select(keys, sessions))).one()
    return signals_from(policy, user, now, api_keys=found[0], sessions=found[1])


async def effective_trust_of(
    session: AsyncSession, user_id: str, now: datetime, policy: TrustPolicy
) -> int | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    return effective_trust(user.trust_score, await signals_of(session, user, now, policy))
