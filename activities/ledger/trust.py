"""A user's trust score and carried loss: moved once per reason, each move audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audited import Audit
from db.crypto import FieldCipher
from db.models import User
from domain.ladder import Level
from domain.policy import DEFAULT_TRUST_POLICY, clamp_trust

# Trust moves the first time a share reaches these levels (DESIGN.md).
TRUST_ON_LEVEL = {
    Level.WARNING: DEFAULT_TRUST_POLICY.warning,
    Level.SUSPENDED: DEFAULT_TRUST_POLICY.suspension,
    Level.LOCKED: DEFAULT_TRUST_POLICY.lock,
}


async def move_trust(
    a: Audit, user_id: str, delta: int, *, at: datetime, reason: str, key: str
) -> None:
    """Moves the score by `delta` once per (key, reason), clamped to 0..100."""
    if delta == 0:
        return
    user = await a.user(user_id)
    if user is None:
        return
    added = await a.record(
        "trust.changed",
        subject=f"user/{user_id}",
        key=f"{key}:trust:{reason}",
        details={"delta": delta, "reason": reason, "share": key},
        at=at,
    )
    if added:
        user.trust_score = clamp_trust(user.trust_score + delta)


async def carry_loss(
    s: AsyncSession, cipher: FieldCipher, user_id: str, change: Callable[[Decimal], Decimal]
) -> None:
    """High-water mark: updates the loss the user has still to earn back."""
    user = await s.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is not None:
        carried = cipher.decrypt_decimal(user.carried_loss_enc) or Decimal(0)
        user.carried_loss_enc = cipher.encrypt(str(change(carried)))
