"""Cashfree PG webhooks (2023-08-01 and later).

x-webhook-signature = base64(HMAC-SHA256(client_secret, x-webhook-timestamp + raw body)),
the timestamp being Unix milliseconds.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from domain.upi import utr_in
from domain.webhooks.gateway import Credentials, Gateway, Setting
from domain.webhooks.model import (
    GatewayPayment,
    PaymentStatus,
    SignatureError,
    check_timestamp,
    field,
    header,
    header_digits,
    load_object,
    major_units,
    optional,
    read_amount,
    rfc3339,
    signed_header,
    text,
)

PROVIDER = "cashfree"
SIGNATURE_HEADER = "x-webhook-signature"
TIMESTAMP_HEADER = "x-webhook-timestamp"
IDEMPOTENCY_HEADER = "x-idempotency-key"  # sent from webhook version 2025-01-01

_STATUS: dict[str, PaymentStatus] = {
    "SUCCESS": "succeeded",
    "FAILED": "failed",
    "USER_DROPPED": "failed",
    "PENDING": "pending",
}


def sign(body: bytes, *, secret: str, timestamp_ms: int) -> str:
    mac = hmac.new(secret.encode(), str(timestamp_ms).encode() + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def verify(body: bytes, headers: Mapping[str, str], *, secret: str, now: datetime) -> None:
    """Raise SignatureError unless signed with `secret` within ±5 minutes of `now`."""
    given = signed_header(headers, SIGNATURE_HEADER, secret=secret)
    timestamp_ms = header_digits(headers, TIMESTAMP_HEADER)
    # The MAC comes first so a forged request learns nothing about our clock.
    expected = sign(body, secret=secret, timestamp_ms=timestamp_ms)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureError("signature does not match")
    try:
        sent_at = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"malformed {TIMESTAMP_HEADER} header") from exc
    check_timestamp(sent_at, now)


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """Normalise a verified callback; `headers` (optional) supplies x-idempotency-key."""
    data = field(load_object(body), "data")
    payment = field(data, "payment")
    status = _STATUS.get(text(field(payment, "payment_status"), "payment_status"), "other")
    payment_time = optional(payment, "payment_time")
    paid_at = rfc3339(payment_time, "payment_time") if payment_time else None
    amount, problem = read_amount(
        lambda: major_units(optional(payment, "payment_amount"), "data.payment.payment_amount")
    )
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(field(payment, "cf_payment_id"), "data.payment.cf_payment_id"),
        payment_reference=text(field(data, "order", "order_id"), "data.order.order_id"),
        amount=amount,
        currency=text(field(payment, "payment_currency"), "data.payment.payment_currency"),
        status=status,
        paid_at=paid_at if status == "succeeded" else None,
        event_id=header(headers, IDEMPOTENCY_HEADER),
        amount_problem=problem,
        # For a UPI payment the bank reference is the UTR; other methods' mean other things.
        utr=utr_in(optional(payment, "bank_reference"))
        if optional(payment, "payment_group") == "upi"
        else None,
    )


def _verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    verify(body, headers, secret=creds.get("cashfree_client_secret") or "", now=now)


def _sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    stamp = int(now.timestamp() * 1000)
    signature = sign(body, secret=creds.get("cashfree_client_secret") or "", timestamp_ms=stamp)
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(stamp)}


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    """A PAYMENT_SUCCESS_WEBHOOK (or PAYMENT_FAILED_WEBHOOK), amount a bare JSON number."""
    status = "SUCCESS" if succeeded else "FAILED"
    payment = {"cf_payment_id": txn, "payment_status": status, "payment_amount": "@AMOUNT@"}
    payment |= {"payment_currency": "INR", "payment_time": "2026-11-20T15:55:00+05:30"}
    data = {"order": {"order_id": reference, "order_currency": "INR"}, "payment": payment}
    body = json.dumps({"data": data, "type": f"PAYMENT_{status}_WEBHOOK"}).encode()
    return body.replace(b'"@AMOUNT@"', str(amount).encode())


GATEWAY = Gateway(
    name=PROVIDER,
    path=PROVIDER,
    provider=PROVIDER,
    title="Cashfree",
    settings=(Setting("cashfree_client_secret", help="the client secret; it signs webhooks"),),
    verify=_verify,
    parse=parse,
    sign=_sign,
    example=example,
)
