"""PhonePe v2 hints become payments only once the Order Status API confirms them.

A v2 callback leaves a `pending_confirmation` row (api/phonepe_hints.py). `confirm`
asks PhonePe about that order right after the callback is answered; `sweep` asks again
for every row still waiting, every PHONEPE_CONFIRM_EVERY_SECONDS, from every API process,
so a hint that cannot be confirmed now (PhonePe down, the order still pending, the process
restarted) is retried until PHONEPE_CONFIRM_FOR_HOURS have passed; then ops are alerted.

Confirming twice is harmless: the confirmed payment is recorded under the attempt id
PhonePe names, unique per provider, and signalled once (record_and_signal).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import structlog
from sqlalchemy import select

from activities.payments.phonepe_client import PhonePeClient, PhonePeRefused
from api.phonepe_hints import PENDING_CONFIRMATION, hint_row
from api.webhook_payments import alert_ops, record_and_signal
from db.alerts import OPS_ALERTS
from db.models import Payment
from db.seals import seal_row
from domain.webhooks import GatewayPayment, PayloadError, UnusableAmount, phonepe_v2

log = structlog.get_logger()
SWEEP_BATCH = 100


class PhonePeConfirmer:
    def __init__(self, client: PhonePeClient, *, give_up_after: timedelta) -> None:
        self._client, self._give_up_after = client, give_up_after

    async def confirm(self, state: Any, merchant_order_id: str) -> str:
        """One look at the order: "applied", "duplicate", "refused", "failed", "pending"…"""
        deps, now = state.deps, datetime.now(UTC)
        key = f"order:{merchant_order_id}"
        async with deps.sessions() as s:
            row = await s.scalar(
                select(Payment).where(
                    Payment.provider == phonepe_v2.PROVIDER, Payment.transaction_id == key
                )
            )
        if row is None or row.status != PENDING_CONFIRMATION:
            return "duplicate"
        try:
            status = await self._client.order_status(merchant_order_id)
        except (httpx.HTTPError, PhonePeRefused) as err:  # try again at the next sweep
            log.warning("phonepe order status unavailable", order=merchant_order_id, error=str(err))
            if now - row.received_at > self._give_up_after:  # still kept: ops must look
                reason = f"PhonePe Order Status unreachable: {err}"[:300]
                async with deps.sessions.begin() as s:
                    action = "payment.unverifiable"
                    await alert_ops(
                        s,
                        deps,
                        _as_payment(row),
                        now,
                        partition=OPS_ALERTS,
                        action=action,
                        reason=reason,
                    )
            return PENDING_CONFIRMATION
        if status is None:
            return await self._close(state, row, "refused", "PhonePe knows no such order")
        try:
            payment = phonepe_v2.confirmed(merchant_order_id, status)
        except UnusableAmount as bad:
            return await self._close(state, row, "refused", f"order status: {bad}")
        except PayloadError as bad:
            return await self._close(state, row, "refused", f"order status unreadable: {bad}")
        if payment.status == "succeeded":
            try:
                result = await record_and_signal(state, payment)
            except Exception as err:  # Temporal or the database: the hint waits for the sweep
                log.warning("phonepe payment not signalled yet", order=merchant_order_id,
                            error=str(err))  # fmt: skip
                return PENDING_CONFIRMATION
            await self._close(state, row, "confirmed", f"{payment.transaction_id}: {result}")
            return result
        if payment.status == "failed":
            return await self._close(state, row, "failed", "PhonePe says the order failed")
        if now - row.received_at > self._give_up_after:
            return await self._close(state, row, "unconfirmed", "never completed")
        # Said COMPLETED, PhonePe says otherwise: worth a look now, and again later.
        reason = f"the callback said COMPLETED, PhonePe says {status.get('state')}"
        async with deps.sessions.begin() as s:
            await alert_ops(s, deps, _as_payment(row), now, partition=OPS_ALERTS,
                            action="payment.not_completed", reason=reason)  # fmt: skip
        return PENDING_CONFIRMATION

    async def _close(self, state: Any, row: Payment, status: str, note: str) -> str:
        deps, now = state.deps, datetime.now(UTC)
        async with deps.sessions.begin() as s:
            hint = await s.get(Payment, row.id, with_for_update=True)
            if hint is None or hint.status != PENDING_CONFIRMATION:
                return "duplicate"
            hint.status, hint.note = status, note[:500]
            seal_row(hint, deps.hasher, deps.cipher)
            if status != "confirmed":
                state.metrics.webhook_rejected(hint.provider, status)
                await alert_ops(s, deps, _as_payment(hint), now, partition=OPS_ALERTS,
                                action=f"payment.{status}", reason=note)  # fmt: skip
        return status

    async def sweep(self, state: Any) -> int:
        """Re-checks every order still waiting; returns how many were looked at."""
        async with state.deps.sessions() as s:
            references = list(
                await s.scalars(
                    select(Payment.payment_reference)
                    .where(
                        Payment.provider == phonepe_v2.PROVIDER,
                        Payment.status == PENDING_CONFIRMATION,
                    )
                    .order_by(Payment.id)
                    .limit(SWEEP_BATCH)
                )
            )
        for reference in references:
            if reference:
                await self.confirm(state, reference)
        return len(references)

    async def run(self, state: Any, every: float) -> None:
        """The API's background loop (started in its lifespan)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.sweep(state)
            except Exception:  # the database or Temporal is down: the next round retries
                log.exception("phonepe confirmation sweep failed")


def _as_payment(row: Payment) -> GatewayPayment:
    """The hint row as the alert names it (provider, order key, reference)."""
    return hint_row(
        GatewayPayment(
            provider=row.provider,
            transaction_id=row.transaction_id,
            payment_reference=row.payment_reference,
            amount=Decimal(0),  # amounts stay encrypted; alerts never carry them
            currency=row.currency,
            status="other",
            paid_at=None,
            event_id=None,
        )
    )
