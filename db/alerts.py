"""Alerts for ops: entries under the audit subject ops/alerts, which dashboards and reports read."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.audited import Audit

OPS_ALERTS = "ops/alerts"


async def alert_ops(a: Audit, *, at: datetime, key: str, reason: str, **about: str) -> bool:
    """One alert per `key`, in the audited change `a`; False when it was raised before."""
    return await a.record(
        "ops.alert", subject=OPS_ALERTS, key=key, details={**about, "reason": reason}, at=at
    )
