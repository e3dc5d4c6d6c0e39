"""Razorpay's Refunds API on the emulator: POST /v1/payments/{id}/refund and the fetches.

Amounts in the currency's smallest unit; at least 100 (Razorpay refuses refunds under
1.00); the `X-Refund-Idempotency` header makes a repeat return the first refund, and a
repeat with a different body is refused with 400, as Razorpay documents. Test control:
`app.state.captured[payment_id] = amount` caps what may be refunded of a payment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request

from emulators.razorpay.errors import bad, known

MIN_REFUND = 100
_IDEMPOTENCY = re.compile(r"[A-Za-z0-9_-]{10,}")


def install(
    app: FastAPI,
    authenticate: Callable[[Request], None],
    new_id: Callable[[str], str],
    clock: Callable[[], float],
) -> None:
    refunds: dict[str, dict[str, Any]] = {}
    by_key: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    app.state.refunds = refunds
    app.state.captured = {}

    @app.post("/v1/payments/{payment_id}/refund")
    async def refund(payment_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        try:
            body = await request.json()
        except ValueError:
            raise bad("The request body must be valid JSON") from None
        if not isinstance(body, dict):
            raise bad("The request body must be a JSON object")
        key = request.headers.get("x-refund-idempotency")
        if key is not None:
            if not _IDEMPOTENCY.fullmatch(key):
                raise bad("The idempotency key is invalid", "X-Refund-Idempotency")
            if key in by_key:
                first_body, first = by_key[key]
                if first_body != body:
                    raise bad("Different request body sent for the same idempotency key")
                return first
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise bad("The amount must be an integer.", "amount")
        if amount < MIN_REFUND:
            raise bad("The amount must be at least INR 1.00", "amount")
        already = sum(r["amount"] for r in refunds.values() if r["payment_id"] == payment_id)
        captured = app.state.captured.get(payment_id)
        if captured is not None and already + amount > captured:
            raise bad("The total refund amount is greater than the refund payment amount", "amount")
        refund_id = new_id("rfnd_")
        refunds[refund_id] = entity = {
            "id": refund_id,
            "entity": "refund",
            "amount": amount,
            "currency": body.get("currency", "INR"),
            "payment_id": payment_id,
            "notes": body.get("notes", {}),
            "receipt": body.get("receipt"),
            "acquirer_data": {"arn": None},
            "created_at": int(clock()),
            "batch_id": None,
            "status": "processed",
            "speed_processed": "normal",
            "speed_requested": body.get("speed", "normal"),
        }
        if key is not None:
            by_key[key] = (body, entity)
        return entity

    @app.get("/v1/payments/{payment_id}/refunds")
    async def payment_refunds(payment_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        items = [r for r in refunds.values() if r["payment_id"] == payment_id]
        return {"entity": "collection", "count": len(items), "items": items}

    @app.get("/v1/refunds/{refund_id}")
    async def fetch_refund(refund_id: str, request: Request) -> dict[str, Any]:
        authenticate(request)
        return known(refunds, refund_id)
