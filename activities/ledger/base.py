"""What every ledger activity shares: its clients, the audit entry, the locked share row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.fx import FxSource
from db import audit
from db.crypto import FieldCipher, RecordHasher
from db.models import Share
from db.shares import amounts
from domain.models import RecordedShare
from domain.money import format_money
from domain.policy import Policy

ACTOR = "workflow"


class LedgerBase:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        hasher: RecordHasher,
        fx: FxSource,
        *,
        billing_currency: str | None = None,
        high_water_mark: bool = False,
        policy: Policy | None = None,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._hasher = hasher
        self._fx = fx
        self._billing_currency = billing_currency
        self._high_water_mark = high_water_mark
        # Read from configuration at start-up (config/policy.py); the brief's figures in tests.
        self._policy = policy or Policy()

    async def _audit(self, s: AsyncSession, *, at: datetime, **entry: Any) -> bool:
        """An audit entry written by the workflow, in the caller's transaction."""
        return await audit.append(s, self._cipher, at=at, actor=ACTOR, **entry)

    async def _share(self, s: AsyncSession, event_id: str) -> Share:
        share = await s.scalar(select(Share).where(Share.event_id == event_id).with_for_update())
        if share is None:
            raise LookupError(f"share {event_id} not opened")
        return share

    def _recorded(self, share: Share) -> RecordedShare:
        money = amounts(share, self._cipher)
        return RecordedShare(
            recorded_at=share.recorded_at,
            share_rate=share.share_rate,
            share_amount=format_money(money["share_amount"]),
            billing_currency=share.billing_currency,
            fx_rate=share.fx_rate,
            billed_amount=format_money(money["billed_amount"]),
            discount_until=share.discount_until,
            due_at=share.due_at,
            payment_reference=share.payment_reference,
            discount_rate=share.discount_rate,
            billing_places=share.billing_places,
        )
