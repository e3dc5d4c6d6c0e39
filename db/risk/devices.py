"""Devices shared by several accounts (the admins' list) and false positives dismissed.

A dismissal is per user and device: the device stops counting for that user, both when they
are assessed and when the others on the device are (db/risk/facts.py reads the same table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Device
from db.privacy_models import RiskDismissal

if TYPE_CHECKING:
    from db.audited import Audit


@dataclass(frozen=True)
class SharedDevice:
    device: str  # the keyed hash the risk service stores, never the raw fingerprint
    users: list[str]
    first_seen: datetime
    last_seen: datetime


def _not_dismissed():  # type: ignore[no-untyped-def]
    return ~exists().where(
        RiskDismissal.user_id == Device.user_id,
        RiskDismissal.device_fingerprint == Device.fingerprint,
    )


async def suspicious(
    session: AsyncSession, *, min_accounts: int = 2, limit: int = 100
) -> list[SharedDevice]:
    """Devices with at least `min_accounts` accounts not dismissed, most accounts first."""
    users = func.array_agg(func.distinct(Device.user_id))
    rows = await session.execute(
        select(Device.fingerprint, users, func.min(Device.first_seen), func.max(Device.last_seen))
        .where(_not_dismissed())
        .group_by(Device.fingerprint)
        .having(func.count(func.distinct(Device.user_id)) >= min_accounts)
        .order_by(
            func.count(func.distinct(Device.user_id)).desc(), func.max(Device.last_seen).desc()
        )
        .limit(limit)
    )
    return [SharedDevice(fp, sorted(us), first, last) for fp, us, first, last in rows.tuples()]


async def dismiss(a: Audit, *, user_id: str, device: str, note: str, at: datetime) -> bool:
    """Records a false positive in the audited change `a` (the user's partition); False when
    it was dismissed before.

    Raises:
        LookupError: the user was never seen on the device.
    """
    seen = await a.session.get(Device, (device, user_id))
    if seen is None:
        raise LookupError(f"user {user_id} was never seen on device {device}")
    by = a.actor_name[: RiskDismissal.dismissed_by.type.length]
    added = await a.session.scalar(
        insert(RiskDismissal)
        .values(user_id=user_id, device_fingerprint=device, dismissed_by=by, note=note, at=at)
        .on_conflict_do_nothing(constraint="uq_dismissal_user_device")
        .returning(RiskDismissal.id)
    )
    if added is None:
        return False
    await a.record(
        "risk.false_positive_dismissed",
        at=at,
        subject=f"user/{user_id}",
        key=f"dismissal:{added}",
        details={"device": device, "note": note},
    )
    return True
