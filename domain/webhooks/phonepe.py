"""PhonePe PG callbacks, both generations, on one endpoint.

v1: body {"response": "<base64 JSON>"}, X-VERIFY = sha256hex(response + salt_key) + "###" + index.
v2: Authorization = sha256hex("username:password"): proof the sender knows the credentials,
    but the body is unsigned, so confirm payments with PhonePe's order-status API.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.webhooks.model import (
    GatewayPayment,
    PayloadError,
    PaymentStatus,
    SignatureError,
    epoch,
    field,
    header,
    load_object,
    minor_units,
    optional,
    text,
)

PROVIDER, V1_HEADER, V2_HEADER = "phonepe", "X-VERIFY", "Authorization"

_V1_STATUS: dict[str, PaymentStatus] = {
    "PAYMENT_SUCCESS": "succeeded", "PAYMENT_PENDING": "pending", "PAYMENT_ERROR": "failed",
    "PAYMENT_DECLINED": "failed", "PAYMENT_CANCELLED": "failed", "TIMED_OUT": "failed",
}  # fmt: skip
# PhonePe says to trust only payload.state, and only on order events: refund events
# report state COMPLETED too. The deprecated "type" spells them PG_ORDER_COMPLETED etc.
_V2_ORDER_EVENTS = {
    "checkout.order.completed", "checkout.order.failed", "pg.order.completed", "pg.order.failed",
}  # fmt: skip
_V2_STATUS: dict[str, PaymentStatus] = {"COMPLETED": "succeeded", "FAILED": "failed"}


def _signed_response(obj: dict[str, Any]) -> str:
    response = obj.get("response")
    if not isinstance(response, str) or not response:
        raise PayloadError("missing field response")
    return response


def sign_v1(body: bytes, *, salt_key: str, salt_index: int | str) -> str:
    response = _signed_response(load_object(body))
    return f"{hashlib.sha256((response + salt_key).encode()).hexdigest()}###{salt_index}"


def sign_v2(*, username: str, password: str) -> str:
    return hashlib.sha256(f"{username}:{password}".encode()).hexdigest()


def verify_v1(
    body: bytes, headers: Mapping[str, str], *, salt_key: str, salt_index: int | str, now: datetime
) -> None:
    """`now` is unused: v1 signs no timestamp, so dedupe on transaction_id stops replays."""
    if not salt_key:
        raise SignatureError("PhonePe salt key is not configured")
    given = (header(headers, V1_HEADER) or "").strip()
    try:
        expected = sign_v1(body, salt_key=salt_key, salt_index=salt_index)
    except PayloadError as exc:
        raise SignatureError("callback body has no signed response") from exc
    digest, _, index = given.rpartition("###")  # docs show the hex in either case
    if not hmac.compare_digest(expected.encode(), f"{digest.lower()}###{index}".encode()):
        raise SignatureError("signature does not match")


def verify_v2(
    body: bytes, headers: Mapping[str, str], *, username: str, password: str, now: datetime
) -> None:
    """`body` and `now` are unused: v2 signs neither (see the module docstring)."""
    if not username or not password:
        raise SignatureError("PhonePe callback credentials are not configured")
    given = (header(headers, V2_HEADER) or "").strip()
    if given[:7].upper() == "SHA256 ":  # the SDK sends bare hex; tolerate a scheme prefix
        given = given[7:].strip()
    expected = sign_v2(username=username, password=password)
    if not given or not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise SignatureError("authorization does not match")


def verify(
    body: bytes, headers: Mapping[str, str], *, salt_key: str | None = None,
    salt_index: int | str | None = None, username: str | None = None,
    password: str | None = None, now: datetime,
) -> None:  # fmt: skip
    """Verify whichever generation sent the callback: an X-VERIFY header means v1."""
    if header(headers, V1_HEADER) is None:
        verify_v2(body, headers, username=username or "", password=password or "", now=now)
    elif salt_key is None or salt_index is None:
        raise SignatureError("PhonePe v1 callbacks are not configured")
    else:
        verify_v1(body, headers, salt_key=salt_key, salt_index=salt_index, now=now)


def _parse_v1(response: str) -> GatewayPayment:
    try:
        decoded = load_object(base64.b64decode(response, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("response is not valid base64") from exc
    data = field(decoded, "data")
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(field(data, "transactionId"), "data.transactionId"),
        payment_reference=text(field(data, "merchantTransactionId"), "data.merchantTransactionId"),
        amount=minor_units(field(data, "amount"), "data.amount"),
        currency="INR",  # PhonePe PG takes rupees only
        status=_V1_STATUS.get(str(decoded.get("code")), "other"),
        paid_at=None,  # v1 callbacks carry no payment time
        event_id=None,
    )


def _parse_v2(event: dict[str, Any]) -> GatewayPayment:
    payload = field(event, "payload")
    name, state = event.get("event") or event.get("type"), optional(payload, "state")
    is_order = isinstance(name, str) and name.lower().replace("_", ".") in _V2_ORDER_EVENTS
    status = _V2_STATUS.get(state, "other") if is_order and isinstance(state, str) else "other"
    tries = optional(payload, "paymentDetails")
    tries = [t for t in tries if isinstance(t, dict)] if isinstance(tries, list) else [{}]
    # Several attempts may be listed; the one that reached the order's state is the payment.
    attempt = next((t for t in tries if t.get("state") == state), tries[0] if tries else {})
    txn = attempt.get("transactionId") or optional(payload, "orderId")
    reference, stamp = optional(payload, "merchantOrderId"), attempt.get("timestamp")
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(txn or optional(payload, "refundId"), "payload.orderId"),
        payment_reference=text(reference, "payload.merchantOrderId") if reference else None,
        amount=minor_units(field(payload, "amount"), "payload.amount"),
        currency="INR",
        status=status,
        paid_at=epoch(stamp, "timestamp", millis=True) if status == "succeeded" and stamp else None,
        event_id=None,
    )


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """Normalise a verified v1 or v2 callback, told apart by the body's shape."""
    obj = load_object(body)  # `headers` unused: PhonePe sends no delivery id
    return _parse_v1(_signed_response(obj)) if "response" in obj else _parse_v2(obj)
