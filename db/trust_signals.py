"""What a user's effective trust is read from: account age and the API keys they connected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ExchangeAccount, ProfitEventRow, User
from domain.policy import TrustPolicy, effective_trust, trust_signals


async def signals_of(
    session: AsyncSession, user: User, now: datetime, policy: TrustPolicy
) -> dict[str, int]:
    keys = await session.scalar(
        select(func.count(distinct(ExchangeAccount.api_key_fingerprint))).where(
            ExchangeAccount.user_id == user.id
        )
    )
    sessions = await session.scalar(
        select(func.count()).select_from(ProfitEventRow).where(ProfitEventRow.user_id == user.id)
    )
    return trust_signals(
        policy,
        account_age_days=max(0, (now - user.created_at).days),
        api_keys=int(keys or 0),
        sessions=int(sessions or 0),
    )


async def effective_trust_of(
    session: AsyncSession, user_id: str, now: datetime, policy: TrustPolicy
) -> int | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    return effective_trust(user.trust_score, await signals_of(session, user, now, policy))
