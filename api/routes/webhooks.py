"""POST /v1/webhooks/{provider}: signed gateway callbacks become payments, exactly once.

Which gateway, which settings and how its money is confirmed all come from the registry
(domain/webhooks/registry.py). Order matters: the source allowlist, then the signature
over the raw body before any JSON is parsed; then a payment the signature proves is
recorded and signalled (api/webhook_payments.py), and a hint that only names an order
(PhonePe v2) waits for the gateway's status API (api/confirmations.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import structlog
from fastapi import APIRouter, BackgroundTasks, Path, Request
from pydantic import BaseModel

from api.errors import ApiError
from api.phonepe_hints import record_hint
from api.sources import allowed, source_ip
from api.webhook_payments import record_and_signal, record_refused
from domain.webhooks import PayloadError, SignatureError, UnusableAmount, registry

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger()
Result = Literal[
    "applied", "credited", "duplicate", "ignored", "unmatched", "refused", "pending_confirmation"
]


class WebhookResult(BaseModel):
    result: Result


@router.post(
    "/v1/webhooks/{provider}",
    responses={403: {"description": "the source is outside the gateway's allowlist"}},
)
async def receive_webhook(
    request: Request,
    background: BackgroundTasks,
    provider: str = Path(
        pattern=r"^[a-z0-9_]{1,32}$",
        description="a registered gateway's path",
        examples=list(registry.paths()),
    ),
) -> WebhookResult:
    if provider not in registry.paths():
        raise ApiError(404, f"no gateway takes callbacks at {provider}")
    settings, metrics = request.app.state.settings, request.app.state.metrics
    source = source_ip(request.scope, settings.trusted_proxies)
    if not allowed(source, settings.gateway_value(f"webhook_allowed_ips_{provider}")):
        metrics.webhook_rejected(provider, "source")
        raise ApiError(403, f"callbacks for {provider} are not taken from this address")
    body, headers, now = await request.body(), dict(request.headers), datetime.now(UTC)
    gateway = registry.for_callback(provider, headers)
    try:
        if gateway is None:
            raise SignatureError("no signature this gateway sends")
        gateway.verify(body, headers, settings.gateway_credentials(), now)
    except SignatureError as err:
        metrics.webhook_rejected(provider, "signature")
        raise ApiError(401, f"webhook signature rejected: {err}") from None
    state = request.app.state
    try:
        payment = gateway.parse(body, headers)
    except UnusableAmount as bad:
        if bad.payment.status != "succeeded":
            return WebhookResult(result="ignored")
        # Signed money we cannot use: kept, refused and alerted, never silently dropped.
        return WebhookResult(result=await record_refused(state, bad.payment, str(bad)))  # type: ignore[arg-type]
    except PayloadError as err:
        # Signed by the gateway but not a shape we act on: acknowledge so it stops retrying.
        log.info("webhook ignored", provider=provider, reason=str(err))
        return WebhookResult(result="ignored")
    if payment.status != "succeeded":
        return WebhookResult(result="ignored")
    if gateway.confirmation == "order_status":
        result, confirm_now = await record_hint(state, payment)
        confirmer = getattr(state, "confirmer", None)
        if confirm_now and confirmer is not None and payment.payment_reference:
            background.add_task(confirmer.confirm, state, payment.payment_reference)
        return WebhookResult(result=result)  # type: ignore[arg-type]
    return WebhookResult(result=await record_and_signal(state, payment))  # type: ignore[arg-type]
