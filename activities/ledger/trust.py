"""A user's trust score and carried loss: moved once per reason, each move audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audited import Audit
from db.crypto import FieldCipher
from db.models import Share, User
from domain.ladder import Level
from domain.money import format_money
from domain.policy import TrustPolicy, clamp_trust


def trust_on_level(policy: TrustPolicy, level: Level) -> int:
    """Trust moves the first time a share reaches these levels (DESIGN.md)."""
    return {
        Level.WARNING: policy.warning,
        Level.SUSPENDED: policy.suspension,
        Level.LOCKED: policy.lock,
    }.get(level, 0)


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


async def paid(
    a: Audit, share: Share, user_id: str, policy: TrustPolicy, *, on_time: bool, at: datetime
) -> None:
    """The share is paid: its status, and the user's trust for paying on time or late, once."""
    share.status = "paid"
    await move_trust(
        a,
        user_id,
        policy.paid_on_time if on_time else policy.paid_late,
        at=at,
        key=share.event_id,
        reason="paid on time" if on_time else "paid late",
    )


def carried_losses(user: User, cipher: FieldCipher) -> dict[str, Decimal]:
    """High-water mark: the losses the user has still to earn back, per currency."""
    if user.carried_losses_enc is None:
        return {}
    stored = cipher.decrypt_json(user.carried_losses_enc)
    assert isinstance(stored, dict)
    return {currency: Decimal(amount) for currency, amount in stored.items()}


def _store(user: User, cipher: FieldCipher, losses: dict[str, Decimal]) -> None:
    user.carried_losses_enc = cipher.encrypt_json(
        {currency: format_money(amount) for currency, amount in sorted(losses.items())}
    )


async def carry_loss(
    s: AsyncSession,
    cipher: FieldCipher,
    user_id: str,
    currency: str,
    change: Callable[[Decimal], Decimal],
) -> Decimal | None:
    """Updates the loss carried in `currency` (losses never mix currencies); returns what it
    was before, None without a user.

    A loss carried before losses were kept per currency (carried_loss_enc) belongs to the
    first currency that reads it: sessions before then were all billed in one currency.
    """
    user = await s.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        return None
    losses = carried_losses(user, cipher)
    legacy = cipher.decrypt_decimal(user.carried_loss_enc)
    if legacy is not None:
        losses[currency] = losses.get(currency, Decimal(0)) + legacy
        user.carried_loss_enc = None
    before = losses.get(currency, Decimal(0))
    losses[currency] = change(before)
    _store(user, cipher, losses)
    return before
