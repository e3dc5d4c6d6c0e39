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
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.errors import ApiError
from api.signals import share_client
from config.settings import Settings
from db import audit
from db.models import Payment, Share
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
from workflows.share_client import ShareClosed

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger()
Provider = Literal["razorpay", "cashfree", "phonepe", "standard"]


class WebhookResult(BaseModel):
    result: Literal["applied", "credited", "duplicate", "ignored", "unmatched", "refused"]


def _secret(value: object) -> str:
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


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
        share = None
        if payment.payment_reference:
            share = await s.scalar(
                select(Share).where(Share.payment_reference == payment.payment_reference)
            )
        refusal = _refusal(share, payment)
        status = "unmatched" if share is None else ("refused" if refusal else "received")
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
                status=status,
                note=refusal,
            )
            .on_conflict_do_nothing(constraint="uq_payment_txn")
            .returning(Payment.id)
        )
        if inserted is None:
            status = await s.scalar(
                select(Payment.status).where(
                    Payment.provider == payment.provider,
                    Payment.transaction_id == payment.transaction_id,
                )
            )
        elif status != "received":
            request.app.state.metrics.webhook_rejected(payment.provider, status)
            await _alert_ops(
                s,
                deps,
                payment,
                now,
                action=f"payment.{status}",
                reason=refusal or "no open share has this payment reference",
            )
    if status == "unmatched":
        return "unmatched" if inserted is not None else "duplicate"
    if status == "refused":
        return "ignored" if inserted is not None else "duplicate"
    return await _signal_once(request, payment, share.event_id, now)


def _refusal(share: Share | None, payment: GatewayPayment) -> str | None:
    """Why a matched payment cannot count; checked before the workflow ever sees it."""
    if share is None:
        return None
    billed_in = share.billing_currency or share.currency
    if payment.currency.upper() != billed_in.upper():
        return f"paid in {payment.currency}, the share is billed in {billed_in}"
    if payment.amount <= 0:
        return "the amount is not positive"
    return None


async def _signal_once(
    request: Request, payment: GatewayPayment, event_id: str, now: datetime
) -> str:
    """Signals the workflow unless an earlier delivery did; the row lock serialises copies.

    The request that signals answers with the workflow's own answer when it comes within a
    moment (applied, credited, refused), else "applied" (queued: it will be applied or
    credited); a retry after a 503 included. Every other copy answers "duplicate". The
    workflow also ignores a transaction id it has seen.
    """
    deps = request.app.state.deps
    async with deps.sessions.begin() as s:
        row = await s.scalar(
            select(Payment)
            .where(
                Payment.provider == payment.provider,
                Payment.transaction_id == payment.transaction_id,
            )
            .with_for_update()
        )
        if row.signalled_at is not None or row.status == "applied":
            return "duplicate"
        try:
            await (await share_client(request)).pay(
                event_id,
                PaymentSignal(
                    provider=payment.provider,
                    transaction_id=payment.transaction_id,
                    amount=payment.amount,
                    currency=payment.currency,
                    paid_at=payment.paid_at or now,
                ),
            )
        except ShareClosed:  # (Temporal down is an RPCError: 503, the retry signals)
            # The share's workflow has completed. The row stays received: the payment
            # reconciler applies it to a share handed to collections (still owed), or keeps
            # it as credit on a share that no longer owes, audited and alerted either way.
            share = await s.get(Share, event_id)
            owed = share is not None and share.status in ("open", "disputed")
            row.note = f"{'applied' if owed else 'credited'} by the payment reconciler"
            return "applied" if owed else "credited"
        row.signalled_at = now
        signalled = PaymentSignal(
            provider=payment.provider,
            transaction_id=payment.transaction_id,
            amount=payment.amount,
            currency=payment.currency,
            paid_at=payment.paid_at or now,
        )
    request.app.state.metrics.payment_signalled(payment.provider)
    # Committed; now the workflow's own answer, briefly (never holding a lock meanwhile).
    answer = await (await share_client(request)).answer_for(event_id, signalled)
    if answer == "credited":
        return "credited"
    if answer is not None and answer.startswith("refused"):
        return "refused"
    return "applied"


async def _alert_ops(
    s, deps, payment: GatewayPayment, now: datetime, *, action: str, reason: str
) -> None:
    await audit.append(
        s,
        deps.cipher,
        at=now,
        actor=payment.provider,
        action=action,
        subject="ops/alerts",
        key=f"{action.removeprefix('payment.')}:{payment.provider}:{payment.transaction_id}",
        details={"reference": payment.payment_reference, "reason": reason},
    )
    log.warning("payment needs ops", action=action, provider=payment.provider, reason=reason)
