"""PhonePe PG v2 (the OAuth API): callbacks are hints, the Order Status API is the payment.

The callback's Authorization header is sha256hex("username:password"): proof the sender
knows two fixed strings, not a signature over the body. So a v2 callback only names an
order; the money counts once PhonePe's Order Status API (GET
/checkout/v2/order/{merchantOrderId}/status) answers COMPLETED, and the amount, attempt id
and time come from that answer (`confirmed`), never from the callback.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.upi import utr_in
from domain.webhooks.gateway import Credentials, Gateway, Setting
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
    read_amount,
    text,
)

PROVIDER, PATH, V2_HEADER = "phonepe", "phonepe", "Authorization"
# PhonePe says to trust only payload.state, and only on order events: refund events
# report state COMPLETED too. The deprecated "type" spells them PG_ORDER_COMPLETED etc.
_ORDER_EVENTS = {
    "checkout.order.completed", "checkout.order.failed", "pg.order.completed", "pg.order.failed",
}  # fmt: skip
_STATUS: dict[str, PaymentStatus] = {"COMPLETED": "succeeded", "FAILED": "failed"}
# Order states the Order Status API answers with.
COMPLETED, PENDING, FAILED = "COMPLETED", "PENDING", "FAILED"


def sign_v2(*, username: str, password: str) -> str:
    return hashlib.sha256(f"{username}:{password}".encode()).hexdigest()


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


def _attempt(payload: dict[str, Any], state: object) -> dict[str, Any]:
    """Several attempts may be listed; the one that reached the order's state is the payment."""
    tries = optional(payload, "paymentDetails")
    tries = [t for t in tries if isinstance(t, dict)] if isinstance(tries, list) else [{}]
    return next((t for t in tries if t.get("state") == state), tries[0] if tries else {})


def parse_v2(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """The callback as a hint: which order, and what the callback claims about it."""
    event = load_object(body)
    payload = field(event, "payload")
    name, state = event.get("event") or event.get("type"), optional(payload, "state")
    is_order = isinstance(name, str) and name.lower().replace("_", ".") in _ORDER_EVENTS
    status = _STATUS.get(state, "other") if is_order and isinstance(state, str) else "other"
    attempt = _attempt(payload, state)
    txn = attempt.get("transactionId") or optional(payload, "orderId")
    txn = text(txn or optional(payload, "refundId"), "payload.orderId")
    reference = optional(payload, "merchantOrderId")
    reference = text(reference, "payload.merchantOrderId") if reference else None
    return _payment(payload, attempt, txn, reference, status)


def confirmed(merchant_order_id: str, status: Mapping[str, Any]) -> GatewayPayment:
    """The payment PhonePe's Order Status answer describes: succeeded only when COMPLETED,
    with the completed attempt's id, amount (paise) and time."""
    state = status.get("state")
    attempt = _attempt(dict(status), state)
    txn = attempt.get("transactionId") or status.get("orderId")
    if not txn:
        raise PayloadError("order status names no transaction")
    paid: PaymentStatus = "succeeded" if state == COMPLETED else _STATUS.get(str(state), "pending")
    return _payment(status, attempt, text(txn, "transactionId"), merchant_order_id, paid)


def _payment(
    order: Mapping[str, Any],
    attempt: Mapping[str, Any],
    txn: str,
    reference: str | None,
    status: PaymentStatus,
) -> GatewayPayment:
    """A v2 order (callback payload or Order Status answer) as a payment: the amount in
    paise, the time that of the attempt (Unix milliseconds), known only once it succeeded."""
    amount, problem = read_amount(lambda: minor_units(order.get("amount"), "amount"))
    stamp = attempt.get("timestamp")
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=txn,
        payment_reference=reference,
        amount=amount,
        currency="INR",  # PhonePe PG takes rupees only
        status=status,
        paid_at=epoch(stamp, "timestamp", millis=True) if status == "succeeded" and stamp else None,
        event_id=None,  # PhonePe sends no delivery id
        amount_problem=problem,
        utr=utr_in(optional(attempt, "rail", "utr")),
    )


def _verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    username = creds.get("phonepe_callback_username") or ""
    verify_v2(body, headers, username=username,
              password=creds.get("phonepe_callback_password") or "", now=now)  # fmt: skip


def _sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    username = creds.get("phonepe_callback_username") or ""
    return {V2_HEADER: sign_v2(username=username,
                               password=creds.get("phonepe_callback_password") or "")}  # fmt: skip


def callback(merchant_order_id: str, order_id: str, state: str, amount_paise: int,
             attempts: list[dict[str, Any]]) -> bytes:  # fmt: skip
    """A checkout.order.completed/failed callback as PhonePe sends it (the emulator's too)."""
    event = "checkout.order.completed" if state == COMPLETED else "checkout.order.failed"
    payload: dict[str, Any] = {"merchantOrderId": merchant_order_id, "orderId": order_id}
    payload["state"] = state
    payload |= {"amount": amount_paise, "paymentDetails": attempts}
    body = {"event": event, "type": f"CHECKOUT_ORDER_{state}", "payload": payload}
    return json.dumps(body).encode()


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    state = COMPLETED if succeeded else FAILED
    paise = int(amount.scaleb(2))
    attempt = {"transactionId": txn, "amount": paise, "state": state, "paymentMode": "UPI_QR"}
    return callback(reference, f"OM{txn}", state, paise, [attempt | {"timestamp": 1795170300000}])


GATEWAY = Gateway(
    name="phonepe_v2",
    path=PATH,
    provider=PROVIDER,
    title="PhonePe PG v2",
    settings=(
        Setting(
            "phonepe_callback_username",
            secret=False,
            dev_value="phonepe",
            help="the callback username set in the dashboard",
        ),
        Setting("phonepe_callback_password", help="the callback password"),
        Setting(
            "phonepe_base_url",
            secret=False,
            dev_value="{emulator}/phonepe",
            help="https://api.phonepe.com/apis/pg (sandbox: .../apis/pg-sandbox)",
        ),
        Setting(
            "phonepe_client_id",
            secret=False,
            dev_value="PSDEVCLIENT",
            help="OAuth client id for order create and Order Status",
        ),
        Setting("phonepe_client_secret", help="OAuth client secret"),
        Setting(
            "phonepe_client_version",
            secret=False,
            required=False,
            dev_value="1",
            help="OAuth client version (default 1)",
        ),
    ),  # fmt: skip
    verify=_verify,
    parse=parse_v2,
    sign=_sign,
    example=example,
    claims=lambda headers: header(headers, "X-VERIFY") is None,
    confirmation="order_status",
)
