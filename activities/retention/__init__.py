"""The retention sweep as an activity: one transaction, audited, safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.retention.contracts import SWEEP_RETENTION, RetentionRequest, RetentionSwept
from db.audit import Auditor
from db.audited import audited
from db.retention import ACTOR, PARTITION, RetentionPolicy, sweep


class RetentionActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        auditor: Auditor,
        policy: RetentionPolicy,
    ) -> None:
        self._sessions, self._auditor, self._policy = sessions, auditor, policy

    @activity.defn(name=SWEEP_RETENTION)
    async def sweep_retention(self, request: RetentionRequest) -> RetentionSwept:
        as_of = request.as_of or datetime.now(UTC)
        async with audited(self._sessions, self._auditor, actor=ACTOR, partition=PARTITION) as a:
            report = await sweep(a, self._policy, now=as_of)
        return RetentionSwept(as_of=as_of, **report.model_dump())
