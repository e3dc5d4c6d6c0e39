"""Razorpay: hex HMAC-SHA256 of the raw body in X-Razorpay-Signature (no timestamp)."""

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.money import minor_unit_places
from domain.upi import utr_in
from domain.webhooks.gateway import Credentials, Gateway, Setting
from domain.webhooks.model import (
    GatewayPayment,
    PaymentStatus,
    SignatureError,
    epoch,
    field,
    header,
    load_object,
    minor_units,
    optional,
    read_amount,
    signed_header,
    text,
)

PROVIDER = "razorpay"
SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"

# payment_link.paid and order.paid carry the same captured payment entity as
# payment.captured; Razorpay may send several of them for one payment, so callers
# deduplicate on transaction_id.
_STATUS: dict[str, PaymentStatus] = {
    "payment.captured": "succeeded",
    "payment_link.paid": "succeeded",
    "order.paid": "succeeded",
    "payment.failed": "failed",
    "payment.authorized": "pending",  # authorised money is not ours until captured
    "payment.pending": "pending",
}


def sign(body: bytes, *, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], *, secret: str, now: datetime) -> None:
    """Raise SignatureError unless the body carries a valid signature.

    `now` is accepted for a uniform call site; Razorpay signs no timestamp, so replays are
    stopped by deduplicating on the event id / transaction id instead.
    """
    del now
    given = signed_header(headers, SIGNATURE_HEADER, secret=secret)
    expected = sign(body, secret=secret)
    if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
        raise SignatureError("signature does not match")


def _reference(payload: dict[str, Any]) -> str | None:
    # payment_link.paid sends the payment's notes as [] and keeps them on the link/order.
    for entity in ("payment", "payment_link", "order"):
        notes = optional(payload, entity, "entity", "notes")
        if isinstance(notes, dict) and isinstance(notes.get("payment_reference"), str):
            return notes["payment_reference"] or None
    return None


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """Normalise a verified callback; `headers` (optional) supplies the delivery's event id."""
    event = load_object(body)
    payload = field(event, "payload")
    payment = field(payload, "payment", "entity")
    status = _STATUS.get(text(field(event, "event"), "event"), "other")
    # The event's created_at is when the capture happened; the entity's is the attempt.
    paid_at = None
    if status == "succeeded":
        paid_at = epoch(optional(event, "created_at") or field(payment, "created_at"), "created_at")
    currency = text(field(payment, "currency"), "payment.entity.currency")
    # Razorpay counts in the currency's smallest unit: paise, yen, fils (KWD has three places).
    amount, problem = read_amount(
        lambda: minor_units(optional(payment, "amount"), "payment.entity.amount", currency)
    )
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(field(payment, "id"), "payment.entity.id"),
        payment_reference=_reference(payload),
        amount=amount,
        currency=currency,
        status=status,
        paid_at=paid_at,
        event_id=header(headers, EVENT_ID_HEADER),
        amount_problem=problem,
        utr=utr_in(optional(payment, "acquirer_data", "rrn")),  # UPI's RRN is its UTR
    )


def _verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    verify(body, headers, secret=creds.get("razorpay_webhook_secret") or "", now=now)


def _sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    signature = sign(body, secret=creds.get("razorpay_webhook_secret") or "")
    # Razorpay signs no time; the delivery id is stable per body, as for a re-sent event.
    return {SIGNATURE_HEADER: signature, EVENT_ID_HEADER: f"evt_{signature[:14]}"}


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    """A payment.captured (or payment.failed) event as Razorpay documents it, in INR."""
    entity: dict[str, Any] = {"id": txn, "entity": "payment", "currency": "INR", "method": "upi"}
    entity |= {"amount": int(amount.scaleb(minor_unit_places("INR")))}
    entity |= {"status": "captured" if succeeded else "failed", "captured": succeeded}
    entity |= {"notes": {"payment_reference": reference}, "created_at": 1_795_170_295}
    event: dict[str, Any] = {"entity": "event"}
    event["event"] = "payment.captured" if succeeded else "payment.failed"
    event |= {"contains": ["payment"], "payload": {"payment": {"entity": entity}}}
    return json.dumps(event | {"created_at": 1_795_170_300}).encode()


GATEWAY = Gateway(
    name=PROVIDER,
    path=PROVIDER,
    provider=PROVIDER,
    title="Razorpay",
    settings=(Setting("razorpay_webhook_secret", help="the webhook secret set in the dashboard"),),
    verify=_verify,
    parse=parse,
    sign=_sign,
    example=example,
)
