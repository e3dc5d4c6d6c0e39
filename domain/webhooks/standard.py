"""Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp, webhook-signature.

The signature is computed by the `standardwebhooks` library; the timestamp window is checked
here against the injected `now`, because the library's own check reads the wall clock.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from standardwebhooks import Webhook

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
    text,
)

PROVIDER = "standard"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"

_STATUS: dict[str, PaymentStatus] = {"payment.succeeded": "succeeded", "payment.failed": "failed"}


def _webhook(secret: str) -> Webhook:
    try:
        return Webhook(secret)
    except Exception as exc:  # empty or not base64: fail closed, never echo the secret
        raise SignatureError("webhook secret is not configured") from exc


def sign(body: bytes, *, secret: str, msg_id: str, timestamp: datetime) -> str:
    """The `v1,<base64>` value for webhook-signature."""
    return _webhook(secret).sign(msg_id, timestamp, body.decode())


def verify(body: bytes, headers: Mapping[str, str], *, secret: str, now: datetime) -> None:
    """Raise SignatureError unless one v1 signature matches and the timestamp is within ±5 min."""
    webhook = _webhook(secret)
    msg_id, given = header(headers, ID_HEADER), header(headers, SIGNATURE_HEADER)
    if not msg_id or not given:
        raise SignatureError("missing webhook-id or webhook-signature header")
    sent = header_digits(headers, TIMESTAMP_HEADER)
    try:
        sent_at = datetime.fromtimestamp(sent, tz=UTC)
        expected = base64.b64decode(webhook.sign(msg_id, sent_at, body.decode()).split(",", 1)[1])
    except (OverflowError, OSError, ValueError) as exc:  # absurd timestamp or non-UTF-8 body
        raise SignatureError("webhook cannot be verified") from exc
    # Several signatures may be sent while a sender rotates secrets; any v1 match will do.
    if not any(_matches(expected, candidate) for candidate in given.split()):
        raise SignatureError("no matching signature")
    check_timestamp(sent_at, now)


def _matches(expected: bytes, candidate: str) -> bool:
    version, _, signature = candidate.partition(",")
    if version != "v1":
        return False
    try:
        return hmac.compare_digest(expected, base64.b64decode(signature, validate=True))
    except (binascii.Error, ValueError):
        return False


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """Normalise a verified delivery; `headers` (optional) supplies webhook-id as event_id."""
    event = load_object(body)
    data = field(event, "data")
    status = _STATUS.get(text(field(event, "type"), "type"), "other")
    reference, paid_at = optional(data, "payment_reference"), optional(data, "paid_at")
    # The contract sends money as a decimal string, never a JSON number.
    amount, problem = read_amount(
        lambda: major_units(optional(data, "amount"), "data.amount", strings_only=True)
    )
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(field(data, "transaction_id"), "data.transaction_id"),
        payment_reference=text(reference, "data.payment_reference") if reference else None,
        amount=amount,
        currency=text(field(data, "currency"), "data.currency"),
        status=status,
        paid_at=rfc3339(paid_at, "data.paid_at") if status == "succeeded" and paid_at else None,
        event_id=header(headers, ID_HEADER),
        amount_problem=problem,
        exact_places=True,  # CONTRACT.md: amounts carry exactly the currency's places
    )


def _verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    verify(body, headers, secret=creds.get("standard_webhook_secret") or "", now=now)


def _sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    # A delivery id stable for one body, so a re-sent copy carries the same webhook-id.
    msg_id = f"msg_{hashlib.sha256(body).hexdigest()[:24]}"
    secret = creds.get("standard_webhook_secret") or ""
    signature = sign(body, secret=secret, msg_id=msg_id, timestamp=now)
    return {ID_HEADER: msg_id, TIMESTAMP_HEADER: str(int(now.timestamp())),
            SIGNATURE_HEADER: signature}  # fmt: skip


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    """A payment.succeeded (or payment.failed) delivery as CONTRACT.md defines it, in INR."""
    data = {"payment_reference": reference, "transaction_id": txn, "amount": str(amount)}
    data |= {"currency": "INR", "paid_at": "2026-11-20T10:25:00Z"}
    kind = "payment.succeeded" if succeeded else "payment.failed"
    return json.dumps({"type": kind, "timestamp": "2026-11-20T10:25:00Z", "data": data}).encode()


GATEWAY = Gateway(
    name=PROVIDER,
    path=PROVIDER,
    provider=PROVIDER,
    title="Standard Webhooks",
    settings=(Setting("standard_webhook_secret", dev_value="{whsec}", help="whsec_..."),),
    verify=_verify,
    parse=parse,
    sign=_sign,
    example=example,
)
