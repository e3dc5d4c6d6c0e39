"""The retention sweep as an activity: one transaction, audited, safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.retention.contracts import SWEEP_RETENTION, RetentionRequest, RetentionSwept
from db.crypto import FieldCipher
from db.retention import RetentionPolicy, sweep


class RetentionActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        policy: RetentionPolicy,
    ) -> None:
        self._sessions, self._cipher, self._policy = sessions, cipher, policy

    @activity.defn(name=SWEEP_RETENTION)
    async def sweep_retention(self, request: RetentionRequest) -> RetentionSwept:
        as_of = request.as_of or datetime.now(UTC)
        async with self._sessions.begin() as s:
            report = await sweep(s, self._cipher, self._policy, now=as_of)
        return RetentionSwept(as_of=as_of, **report.model_dump())
