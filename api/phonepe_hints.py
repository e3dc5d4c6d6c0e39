"""PhonePe v2 callbacks are hints, not payments: one `pending_confirmation` row per order
(`order:<merchantOrderId>`) until the Order Status API confirms it (api/confirmations.py).
The payment PhonePe then names is recorded and signalled like any other
(api/webhook_payments.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select

from api.webhook_payments import alert_ops, insert_payment, share_by_reference
from db.alerts import OPS_ALERTS
from db.models import Payment
from db.seals import seal_row
from domain.webhooks import GatewayPayment

log = structlog.get_logger()
PENDING_CONFIRMATION = "pending_confirmation"


async def record_hint(state: Any, payment: GatewayPayment) -> tuple[str, bool]:
    """A callback that only names an order (PhonePe v2): kept as `pending_confirmation`
    until the gateway's status API confirms it. Returns (answer, whether to confirm now)."""
    deps, now = state.deps, datetime.now(UTC)
    hint = hint_row(payment)
    async with deps.sessions.begin() as s:
        share = await share_by_reference(s, payment.payment_reference)
        status = PENDING_CONFIRMATION if share is not None else "unmatched"
        # The hint is no payment: it stays off the share until the status API says so.
        inserted = await insert_payment(s, deps, hint, None, status, None, now)
        if inserted is None:
            if await _asked_again(s, deps, hint, status, now):
                return PENDING_CONFIRMATION, True  # a repeat: worth another look
            return "duplicate", False
        if status == "unmatched":
            state.metrics.webhook_rejected(payment.provider, "unmatched")
            reason = "no open share has this payment reference"
            await alert_ops(
                s,
                deps,
                payment,
                now,
                partition=OPS_ALERTS,
                action="payment.unmatched",
                reason=reason,
            )
            return "unmatched", False
    return PENDING_CONFIRMATION, True


async def _asked_again(s, deps, hint: GatewayPayment, status: str, now: datetime) -> bool:
    """Whether a repeated callback for this order should be confirmed: it still waits, or it
    was closed without a confirmed payment (given up, failed, unknown, no share yet). The
    Order Status API is the truth, and one early or forged hint, closed unconfirmed, must not
    shut the order to the user's real payment; the give-up clock starts again."""
    row = await s.scalar(
        select(Payment)
        .where(Payment.provider == hint.provider, Payment.transaction_id == hint.transaction_id)
        .with_for_update()
    )
    if row.status == PENDING_CONFIRMATION:
        return True
    if row.status == "confirmed" or status != PENDING_CONFIRMATION:
        return False  # paid once already, or still no share to pay
    log.info("phonepe order asked about again", order=hint.payment_reference, was=row.status)
    row.note = f"asked again {now:%Y-%m-%dT%H:%M:%SZ} after {row.status}: {row.note or ''}"[:500]
    row.status, row.received_at = PENDING_CONFIRMATION, now
    seal_row(row, deps.hasher, deps.cipher)
    return True


def hint_row(payment: GatewayPayment) -> GatewayPayment:
    """One row per order, whatever attempt ids hints claim: the confirmed payment gets its
    own row under the attempt id the status API names, so one payment counts once."""
    return GatewayPayment(
        provider=payment.provider,
        transaction_id=f"order:{payment.payment_reference or payment.transaction_id}",
        payment_reference=payment.payment_reference,
        amount=payment.amount,
        currency=payment.currency,
        status=payment.status,
        paid_at=None,
        event_id=payment.event_id,
    )
