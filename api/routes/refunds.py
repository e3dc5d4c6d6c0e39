"""POST /v1/admin/shares/{event_id}/refund: gives credit back through the gateway that took it.

Only credit can be refunded (money a share received but did not owe: late, over or after a
cancelled dispute). Razorpay payments are refunded through Razorpay's Refunds API; money
from senders without a refund API (Standard Webhooks, Cashfree, PhonePe, UPI proofs) is
recorded as a manual refund for ops to pay out. Idempotent by the Idempotency-Key header:
the same key answers the same refund, never a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from activities.payments.razorpay_links import RazorpayRefused
from activities.payments.razorpay_refunds import RazorpayRefunds
from api.audited import acting
from api.auth import require
from api.deps import AppDeps, app_deps
from api.errors import ApiError
from db.models import Payment, Refund
from db.shares import book_of, set_amounts
from domain.money import format_money, to_minor
from domain.types import Identifier, Money, Text

router = APIRouter(tags=["admin"])


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money
    note: Text = Field(default="", max_length=2000)


class RefundOut(BaseModel):
    refund_id: int
    event_id: str
    amount: Money
    currency: str
    provider: str
    status: str  # refunded (through the gateway) | manual (recorded; ops pay it out)
    gateway_refund_id: str | None = None


@router.post("/v1/admin/shares/{event_id}/refund")
async def refund_credit(
    event_id: Identifier,
    body: RefundIn,
    request: Request,
    deps: AppDeps,
    idempotency_key: str = Header(min_length=10, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"),
    role: str = Depends(require("admin")),
) -> RefundOut:
    now = datetime.now(UTC)
    # The user's chain, then the share row (404 if none). The gateway is called inside: its
    # refund is idempotent by the same key, so a retried request never refunds twice.
    async with acting(request).share(event_id) as (a, share):
        s = a.session
        done = await s.scalar(select(Refund).where(Refund.idempotency_key == idempotency_key))
        if done is not None:
            return _same(done, event_id, body.amount, deps.cipher)
        book = book_of(share, deps.cipher)
        if book is None:
            raise ApiError(409, "the share was never billed: nothing to refund")
        try:
            after = book.refund(body.amount)
        except ValueError as err:
            raise ApiError(409, str(err), details=[{"field": "amount"}]) from err
        amount = after.refunded - book.refunded
        source = await _source(s, event_id)
        provider = source.provider if source else "manual"
        gateway_id = await _through_gateway(request, source, amount, book.terms, idempotency_key)
        refund = Refund(
            event_id=event_id,
            idempotency_key=idempotency_key,
            amount_enc=deps.cipher.encrypt(format_money(amount)),
            currency=book.terms.currency,
            provider=provider,
            transaction_id=source.transaction_id if source else None,
            gateway_refund_id=gateway_id,
            status="refunded" if gateway_id else "manual",
            note_enc=deps.cipher.encrypt(body.note) if body.note else None,
            requested_by=role,
        )
        s.add(refund)
        set_amounts(share, deps.cipher, credit=after.credit, refunded=after.refunded)
        a.changed(share)
        await s.flush()
        await a.record(
            "share.refunded",
            at=now,
            subject=event_id,
            key=f"refund:{idempotency_key}",
            details={
                "amount": format_money(amount),
                "provider": provider,
                "status": refund.status,
                "gateway_refund_id": gateway_id,
                "note": body.note,
            },
        )
        return _out(refund, amount)


def _same(done: Refund, event_id: str, amount: Decimal, cipher) -> RefundOut:
    """A repeat of the key: the same answer, or 409 when it names another refund."""
    recorded = cipher.decrypt_decimal(done.amount_enc)
    # Rounded as the refund was (halves up), so "10.005" repeated still names the 10.01 made.
    if done.event_id != event_id or recorded != to_minor(amount, done.currency):
        raise ApiError(409, "this Idempotency-Key was used for another refund")
    return _out(done, recorded)


def _out(refund: Refund, amount: Decimal) -> RefundOut:
    return RefundOut(
        refund_id=refund.id,
        event_id=refund.event_id,
        amount=amount,
        currency=refund.currency,
        provider=refund.provider,
        status=refund.status,
        gateway_refund_id=refund.gateway_refund_id,
    )


async def _source(s, event_id: str) -> Payment | None:
    """The gateway that took the money: the latest payment kept as credit, else applied."""
    rows = list(
        await s.scalars(
            select(Payment)
            .where(Payment.event_id == event_id, Payment.status.in_(("credited", "applied")))
            .order_by(Payment.id.desc())
        )
    )
    credited = [p for p in rows if p.status == "credited"]
    return (credited or rows or [None])[0]


async def _through_gateway(
    request: Request, source: Payment | None, amount: Decimal, terms, key: str
) -> str | None:
    """Razorpay refunds through its API; other senders have none: None, a manual refund."""
    settings = request.app.state.settings
    if source is None or source.provider != "razorpay" or settings.razorpay_key_id is None:
        return None
    client = RazorpayRefunds(
        app_deps(request).http,
        key_id=settings.razorpay_key_id,
        key_secret=settings.razorpay_key_secret.get_secret_value(),
        base_url=settings.razorpay_api_base_url,
    )
    try:
        return await client.refund(
            payment_id=source.transaction_id,
            amount=amount,
            currency=terms.currency,
            idempotency_key=key,
            notes={"share": source.event_id or ""},
            places=terms.places,
        )
    except RazorpayRefused as err:
        raise ApiError(409, f"Razorpay refused the refund: {err.description}") from err
    except httpx.HTTPError as err:
        # Nothing was recorded; the same Idempotency-Key retried later refunds once.
        raise ApiError(503, "Razorpay is unreachable: retry with the same Idempotency-Key") from err
