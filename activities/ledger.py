"""The ledger: every write of a share's life to Postgres, each idempotent by its key.

Temporal may run an activity twice; each method checks what is already recorded
first, and writes the change, its audit entry and the user's standing in one
transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities import contracts as c
from activities.fx import FxSource
from db import audit, standing
from db.alerts import alert_ops
from db.crypto import FieldCipher, RecordHasher
from db.models import Payment, Share, User
from db.shares import amounts, seal, set_amounts
from domain.ladder import Level
from domain.models import ProfitEvent, RecordedShare
from domain.policy import DEFAULT_SHARE_POLICY, DEFAULT_TRUST_POLICY, SharePolicy, clamp_trust
from domain.settlement import billed_amount, chargeable_profit, share_amount

ACTOR = "workflow"
# Trust moves the first time a share reaches these levels (DESIGN.md).
TRUST_ON_LEVEL = {
    Level.WARNING: DEFAULT_TRUST_POLICY.warning,
    Level.SUSPENDED: DEFAULT_TRUST_POLICY.suspension,
    Level.LOCKED: DEFAULT_TRUST_POLICY.lock,
}


def payment_reference(event_id: str) -> str:
    """Deterministic, so a retried activity issues the same reference."""
    return "PS" + hashlib.sha256(event_id.encode()).hexdigest()[:14].upper()


class LedgerActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        hasher: RecordHasher,
        fx: FxSource,
        *,
        billing_currency: str | None = None,
        high_water_mark: bool = False,
        policy: SharePolicy = DEFAULT_SHARE_POLICY,
    ) -> None:
        self._high_water_mark = high_water_mark
        self._sessions = sessions
        self._cipher = cipher
        self._hasher = hasher
        self._fx = fx
        self._billing_currency = billing_currency
        self._policy = policy

    @activity.defn(name=c.OPEN_SHARE)
    async def open_share(self, event: ProfitEvent) -> None:
        async with self._sessions.begin() as s:
            await standing.ensure_user(s, event.user_id)
            await s.execute(
                insert(Share)
                .values(
                    event_id=event.event_id,
                    user_id=event.user_id,
                    status="screening",
                    level=0,
                    currency=event.currency,
                    reported_profit_enc=self._cipher.encrypt(str(event.reported_profit)),
                )
                .on_conflict_do_nothing(index_elements=[Share.event_id])
            )
            await self._audit(
                s,
                at=event.session_end,
                action="share.received",
                subject=event.event_id,
                key=f"{event.event_id}:received",
                details={"session_id": event.session_id},
            )

    @activity.defn(name=c.SET_STATUS)
    async def set_status(self, cmd: c.SetStatusInput) -> None:
        async with self._sessions.begin() as s:
            share = await self._share(s, cmd.event_id)
            share.status = cmd.status
            if cmd.verification is not None:
                share.verification_enc = self._cipher.encrypt_json(
                    cmd.verification.model_dump(mode="json")
                )
                set_amounts(share, self._cipher, verified_profit=cmd.verification.verified_profit)
            share.review_reasons = json.dumps(cmd.reasons) if cmd.reasons else None
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            added = await self._audit(
                s,
                at=cmd.at,
                action=f"share.{cmd.status}",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:status:{cmd.status}:{cmd.at.isoformat()}",
                details={"reasons": cmd.reasons, "note": cmd.note},
            )
            loss = cmd.verification.verified_profit if cmd.verification else Decimal(0)
            if added and cmd.status == "no_share" and self._high_water_mark and loss < 0:
                await self._carry(s, cmd.user_id, lambda carried: carried - loss)
            await standing.recompute(s, cmd.user_id)

    @activity.defn(name=c.RECORD_SHARE)
    async def record_share(self, cmd: c.RecordShareInput) -> RecordedShare:
        event = cmd.event
        async with self._sessions.begin() as s:
            share = await self._share(s, event.event_id)
            if share.recorded_at is None:
                user = await s.get(User, event.user_id)
                rate = self._policy.rate_for(user.trust_score if user else 50)
                carried = self._cipher.decrypt_decimal(user.carried_loss_enc) if user else None
                charge = chargeable_profit(
                    cmd.verified_profit,
                    carried or Decimal(0),
                    high_water_mark=self._high_water_mark,
                )
                if user is not None and self._high_water_mark:
                    user.carried_loss_enc = self._cipher.encrypt(str(charge.carried_loss_after))
                amount = share_amount(charge.profit, rate, event.currency)
                billing = self._billing_currency or event.currency
                fx = await self._fx.rate(event.currency, billing)
                billed = billed_amount(amount, fx, billing)
                # A profit that only earns back carried losses bills nothing.
                share.status = "open" if billed > 0 else "no_share"
                share.share_rate, share.fx_rate = str(rate), str(fx)
                share.billing_currency = billing
                share.recorded_at = cmd.at
                share.discount_until = cmd.at + self._policy.early_window
                share.due_at = cmd.at + self._policy.due_after
                share.payment_reference = payment_reference(event.event_id)
                share.verification_enc = self._cipher.encrypt_json(
                    cmd.verification.model_dump(mode="json")
                )
                set_amounts(
                    share,
                    self._cipher,
                    verified_profit=cmd.verified_profit,
                    share_amount=amount,
                    billed_amount=billed,
                    amount_paid=billed * 0,
                    amount_due=billed,
                )
                share.updated_at = func.now()
                seal(share, self._cipher, self._hasher)
                await self._audit(
                    s,
                    at=cmd.at,
                    action="share.recorded",
                    subject=event.event_id,
                    key=f"{event.event_id}:recorded",
                    details={"rate": str(rate), "billing_currency": billing},
                )
                await standing.recompute(s, event.user_id)
            return self._recorded(share)

    @activity.defn(name=c.ESCALATE)
    async def escalate(self, cmd: c.EscalateInput) -> bool:
        """Moves the share to a ladder stage; False when it was already there or closed."""
        async with self._sessions.begin() as s:
            share = await self._share(s, cmd.event_id)
            if share.status != "open":
                return False
            first_time_at_level = cmd.level > share.level
            added = await self._audit(
                s,
                at=cmd.at,
                action=f"share.{Level(cmd.level).label}",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:{cmd.stage}",
                details={"stage": cmd.stage, "level": cmd.level},
            )
            if not added:
                return False
            if first_time_at_level:
                share.level = cmd.level
                share.updated_at = func.now()
                seal(share, self._cipher, self._hasher)
                await self._move_trust(
                    s,
                    cmd.user_id,
                    TRUST_ON_LEVEL.get(Level(cmd.level), 0),
                    at=cmd.at,
                    reason=cmd.stage,
                    key=cmd.event_id,
                )
            await standing.recompute(s, cmd.user_id)
            return True

    @activity.defn(name=c.APPLY_PAYMENT)
    async def apply_payment(self, cmd: c.ApplyPaymentInput) -> bool:
        """Applies one payment once; a repeat of its (provider, transaction id) changes nothing."""
        p = cmd.payment
        async with self._sessions.begin() as s:
            share = await self._share(s, cmd.event_id)
            await s.execute(
                insert(Payment)
                .values(
                    provider=p.provider,
                    transaction_id=p.transaction_id,
                    event_id=cmd.event_id,
                    payment_reference=share.payment_reference,
                    amount_enc=self._cipher.encrypt(str(p.amount)),
                    currency=p.currency,
                    paid_at=p.paid_at,
                    status="received",
                )
                .on_conflict_do_nothing(constraint="uq_payment_txn")
            )
            row = await s.scalar(
                select(Payment)
                .where(Payment.provider == p.provider, Payment.transaction_id == p.transaction_id)
                .with_for_update()
            )
            if row.status == "applied":
                return False
            row.status, row.applied_at, row.event_id = "applied", cmd.at, cmd.event_id
            set_amounts(
                share,
                self._cipher,
                amount_paid=cmd.amount_paid,
                amount_due=cmd.amount_due,
                credit=cmd.credit or None,
            )
            if cmd.settled:
                share.status = "paid"
                on_time = share.due_at is None or p.paid_at <= share.due_at
                delta = (
                    DEFAULT_TRUST_POLICY.paid_on_time if on_time else DEFAULT_TRUST_POLICY.paid_late
                )
                await self._move_trust(
                    s,
                    cmd.user_id,
                    delta,
                    at=cmd.at,
                    key=cmd.event_id,
                    reason="paid on time" if on_time else "paid late",
                )
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            await self._audit(
                s,
                at=cmd.at,
                action="share.paid" if cmd.settled else "share.partial_payment",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:payment:{p.provider}:{p.transaction_id}",
                details={
                    "provider": p.provider,
                    "transaction_id": p.transaction_id,
                    "discounted": cmd.discounted,
                },
            )
            await standing.recompute(s, cmd.user_id)
            return True

    @activity.defn(name=c.ALERT_OPS)
    async def alert_ops(self, alert: c.OpsAlert) -> None:
        """An entry under ops/alerts (what ops dashboards and reports read), once per key."""
        async with self._sessions.begin() as s:
            await alert_ops(
                s,
                self._cipher,
                at=alert.at,
                actor=ACTOR,
                key=alert.key,
                reason=alert.reason,
                share=alert.subject,
            )
        activity.logger.warning("ops alert: %s (%s)", alert.reason, alert.subject)

    async def _audit(self, s: AsyncSession, *, at: datetime, **entry: Any) -> bool:
        """An audit entry written by the workflow, in the caller's transaction."""
        return await audit.append(s, self._cipher, at=at, actor=ACTOR, **entry)

    async def _share(self, s: AsyncSession, event_id: str) -> Share:
        share = await s.scalar(select(Share).where(Share.event_id == event_id).with_for_update())
        if share is None:
            raise LookupError(f"share {event_id} not opened")
        return share

    async def _carry(
        self, s: AsyncSession, user_id: str, change: Callable[[Decimal], Decimal]
    ) -> None:
        user = await s.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is not None:
            carried = self._cipher.decrypt_decimal(user.carried_loss_enc) or Decimal(0)
            user.carried_loss_enc = self._cipher.encrypt(str(change(carried)))

    async def _move_trust(
        self, s: AsyncSession, user_id: str, delta: int, *, at: datetime, reason: str, key: str
    ) -> None:
        if delta == 0:
            return
        user = await s.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            return
        added = await self._audit(
            s,
            at=at,
            action="trust.changed",
            subject=f"user/{user_id}",
            key=f"{key}:trust:{reason}",
            details={"delta": delta, "reason": reason, "share": key},
        )
        if added:
            user.trust_score = clamp_trust(user.trust_score + delta)

    def _recorded(self, share: Share) -> RecordedShare:
        money = amounts(share, self._cipher)
        return RecordedShare(
            recorded_at=share.recorded_at,
            share_rate=share.share_rate,
            share_amount=str(money["share_amount"]),
            billing_currency=share.billing_currency,
            fx_rate=share.fx_rate,
            billed_amount=str(money["billed_amount"]),
            discount_until=share.discount_until,
            due_at=share.due_at,
            payment_reference=share.payment_reference,
        )
