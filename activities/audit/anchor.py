"""Reads the audit chains' heads for the anchor workflow (workflows/audit_anchor.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.audit.contracts import READ_AUDIT_HEADS, AnchoredHead, AuditAnchor
from db.anchor import anchor_heads


class AuditAnchorActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name=READ_AUDIT_HEADS)
    async def read_audit_heads(self) -> AuditAnchor:
        async with self._sessions() as s:
            heads = await anchor_heads(s)
        return AuditAnchor(
            at=datetime.now(UTC),
            heads=[
                AnchoredHead(chain=h.chain, length=h.length, head_hash=h.head_hash) for h in heads
            ],
        )
