"""Screening a user before their share is verified (the full rule set lives in domain/risk)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities import contracts as c
from db.models import User
from domain.models import ProfitEvent, RiskSummary
from domain.policy import DEFAULT_TRUST_POLICY


class RiskActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name=c.SCREEN_USER)
    async def screen_user(self, event: ProfitEvent) -> RiskSummary:
        async with self._sessions() as s:
            user = await s.get(User, event.user_id)
        if user is None:
            return RiskSummary(score=0, decision="allow")
        if user.blocked:
            return RiskSummary(score=100, decision="block", reasons=["user_blocked"])
        if user.trust_score < DEFAULT_TRUST_POLICY.min_to_trade:
            return RiskSummary(score=40, decision="alert", reasons=["low_trust"])
        return RiskSummary(score=0, decision="allow")
