"""Alerts for ops: entries under the audit subject ops/alerts, which dashboards and reports read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.crypto import FieldCipher

OPS_ALERTS = "ops/alerts"


async def alert_ops(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    at: datetime,
    actor: str,
    key: str,
    reason: str,
    **about: str,
) -> bool:
    """One alert per `key`, in the caller's transaction; False when it was raised before."""
    return await audit.append(
        session,
        cipher,
        at=at,
        actor=actor,
        action="ops.alert",
        subject=OPS_ALERTS,
        key=key,
        details={**about, "reason": reason},
    )
