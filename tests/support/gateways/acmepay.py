"""A fifth gateway, made up for the tests: the whole of what adding a gateway takes (this
module, plus `registry.register(acmepay.GATEWAY)`).

AcmePay signs `<timestamp>.<body>` with HMAC-SHA256 (hex) in X-Acme-Signature and the
timestamp in X-Acme-Timestamp; its body is {"ref", "id", "cents", "currency", "ok"}.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from domain.webhooks.gateway import Credentials, Gateway, Setting
from domain.webhooks.model import (
    GatewayPayment,
    SignatureError,
    check_timestamp,
    field,
    header,
    header_digits,
    load_object,
    minor_units,
    optional,
    read_amount,
    text,
)

PATH = "acmepay"


def _mac(body: bytes, secret: str, stamp: int) -> str:
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    secret = creds.get("acmepay_secret")
    if not secret:
        raise SignatureError("AcmePay is not configured")
    stamp = header_digits(headers, "X-Acme-Timestamp")
    given = header(headers, "X-Acme-Signature") or ""
    if not hmac.compare_digest(_mac(body, secret, stamp).encode(), given.encode()):
        raise SignatureError("signature does not match")
    check_timestamp(datetime.fromtimestamp(stamp, tz=UTC), now)


def parse(body: bytes, headers: Mapping[str, str]) -> GatewayPayment:
    event = load_object(body)
    currency = text(field(event, "currency"), "currency")
    amount, problem = read_amount(lambda: minor_units(optional(event, "cents"), "cents", currency))
    return GatewayPayment(
        provider=PATH, transaction_id=text(field(event, "id"), "id"),
        payment_reference=text(field(event, "ref"), "ref"), amount=amount, currency=currency,
        status="succeeded" if event.get("ok") is True else "failed",
        paid_at=None, event_id=None, amount_problem=problem,
    )  # fmt: skip


def sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    stamp = int(now.timestamp())
    mac = _mac(body, creds.get("acmepay_secret") or "", stamp)
    return {"X-Acme-Signature": mac, "X-Acme-Timestamp": str(stamp)}


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    event = {"ref": reference, "id": txn, "cents": int(amount.scaleb(2)), "currency": "INR"}
    return json.dumps(event | {"ok": succeeded}).encode()


GATEWAY = Gateway(
    name=PATH, path=PATH, provider=PATH, title="AcmePay",
    settings=(Setting("acmepay_secret"),),
    verify=verify, parse=parse, sign=sign, example=example,
)  # fmt: skip
