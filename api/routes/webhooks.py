"""POST /v1/webhooks/{provider}: signed gateway callbacks become payment signals, exactly once.

Order matters: the signature is checked over the raw body before any JSON is parsed; the
payment row (unique per provider and transaction id) commits before the workflow is
signalled; a failed signal answers 503 so the gateway retries and the retry signals again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from config.settings import Settings
from db import audit
from db.models import Payment, Share
from db.shares import workflow_id
from domain.models import PaymentSignal
from domain.webhooks import (
    GatewayPayment,
    PayloadError,
    SignatureError,
    cashfree,
    phonepe,
    razorpay,
    standard,
)

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger()
Provider = Literal["razorpay", "cashfree", "phonepe", "standard"]


class WebhookResult(BaseModel):
    result: Literal["applied", "duplicate", "ignored", "unmatched"]


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else ""  # type: ignore[attr-defined]


def _verifier(provider: str, s: Settings) -> Callable[[bytes, dict[str, str], datetime], None]:
    if provider == "razorpay":
        return lambda b, h, now: razorpay.verify(
            b, h, secret=_secret(s.razorpay_webhook_secret), now=now
        )
    if provider == "cashfree":
        return lambda b, h, now: cashfree.verify(
            b, h, secret=_secret(s.cashfree_client_secret), now=now
        )
    if provider == "phonepe":
        return lambda b, h, now: phonepe.verify(
            b,
            h,
            salt_key=_secret(s.phonepe_salt_key) or None,
            salt_index=s.phonepe_salt_index,
            username=_secret(s.phonepe_callback_username) or None,
            password=_secret(s.phonepe_callback_password) or None,
            now=now,
        )
    return lambda b, h, now: standard.verify(
        b, h, secret=_secret(s.standard_webhook_secret), now=now
    )


_PARSERS = {
    "razorpay": razorpay.parse,
    "cashfree": cashfree.parse,
    "phonepe": phonepe.parse,
    "standard": standard.parse,
}


@router.post("/v1/webhooks/{provider}", response_model=WebhookResult)
async def receive_webhook(provider: Provider, request: Request) -> WebhookResult:
    body, headers, now = await request.body(), dict(request.headers), datetime.now(UTC)
    try:
        _verifier(provider, request.app.state.settings)(body, headers, now)
    except SignatureError as err:
        request.app.state.metrics.webhook_rejected(provider, "signature")
        raise ApiError(401, f"webhook signature rejected: {err}") from None
    try:
        payment = _PARSERS[provider](body, headers)
    except PayloadError as err:
        # Signed by the gateway but not a shape we act on: acknowledge so it stops retrying.
        log.info("webhook ignored", provider=provider, reason=str(err))
        return WebhookResult(result="ignored")
    if payment.status != "succeeded":
        return WebhookResult(result="ignored")
    return WebhookResult(result=await record_and_signal(request, payment))


async def record_and_signal(request: Request, payment: GatewayPayment) -> str:
    deps, now = request.app.state.deps, datetime.now(UTC)
    async with deps.sessions.begin() as s:
        share = (
            await s.scalar(
                select(Share).where(Share.payment_reference == payment.payment_reference)
            )
            if payment.payment_reference
            else None
        )
        inserted = await s.scalar(
            insert(Payment)
            .values(
                provider=payment.provider,
                transaction_id=payment.transaction_id,
                event_id=share.event_id if share else None,
                payment_reference=payment.payment_reference,
                amount_enc=deps.cipher.encrypt(str(payment.amount)),
                currency=payment.currency,
                paid_at=payment.paid_at or now,
                status="received" if share else "unmatched",
            )
            .on_conflict_do_nothing(constraint="uq_payment_txn")
            .returning(Payment.id)
        )
        row = await s.scalar(
            select(Payment).where(
                Payment.provider == payment.provider,
                Payment.transaction_id == payment.transaction_id,
            )
        )
        if share is None:
            if inserted is not None:
                await audit.append(
                    s,
                    deps.cipher,
                    at=now,
                    actor=payment.provider,
                    action="payment.unmatched",
                    subject="ops/alerts",
                    key=f"unmatched:{payment.provider}:{payment.transaction_id}",
                    details={"reference": payment.payment_reference},
                )
                log.warning(
                    "payment unmatched: ops alert",
                    provider=payment.provider,
                    reference=payment.payment_reference,
                )
            return "unmatched" if inserted is not None else "duplicate"
    if row.status == "applied" or (inserted is None and row.signalled_at is not None):
        return "duplicate"
    # Not yet signalled (first delivery, or an earlier signal failed): signal now. The
    # workflow ignores a transaction id it has already seen, so a race here is harmless.
    client = await request.app.state.temporal()
    try:
        await client.get_workflow_handle(workflow_id(share.event_id)).signal(
            "payment",
            PaymentSignal(
                provider=payment.provider,
                transaction_id=payment.transaction_id,
                amount=payment.amount,
                currency=payment.currency,
                paid_at=payment.paid_at or now,
            ),
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise  # Temporal is down: 503, the gateway retries
        return await _closed_share(request, row.id, payment, now)
    async with deps.sessions.begin() as s:
        await s.execute(
            update(Payment)
            .where(Payment.id == row.id, Payment.signalled_at.is_(None))
            .values(signalled_at=now)
        )
    request.app.state.metrics.payment_signalled(payment.provider)
    return "applied" if inserted is not None else "duplicate"


async def _closed_share(
    request: Request, payment_id: int, payment: GatewayPayment, now: datetime
) -> str:
    """Money for a share that is already closed: kept on record for ops to refund or credit."""
    deps = request.app.state.deps
    async with deps.sessions.begin() as s:
        await s.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values(status="unmatched", note="share already closed")
        )
        await audit.append(
            s,
            deps.cipher,
            at=now,
            actor=payment.provider,
            action="payment.after_close",
            subject="ops/alerts",
            key=f"after_close:{payment.provider}:{payment.transaction_id}",
            details={"reference": payment.payment_reference},
        )
    log.warning("payment for a closed share: ops alert", provider=payment.provider)
    return "unmatched"
