"""The audit chains' heads, as the scheduled anchor checkpoints them outside the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.integrity import ChainHead
from db.models import AuditChain


async def anchor_heads(session: AsyncSession) -> list[ChainHead]:
    """Every chain's committed length and last hash (each head row is written at commit)."""
    rows = await session.scalars(select(AuditChain).order_by(AuditChain.chain))
    return [ChainHead(r.chain, r.length, r.head_hash) for r in rows]
