"""PhonePe PG v1 (the salt-key API): {"response": "<base64 JSON>"} signed in X-VERIFY.

X-VERIFY = sha256hex(response + salt_key) + "###" + salt_index. The decoded response names
the share in data.merchantTransactionId and the amount in paise.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.webhooks.gateway import Credentials, Gateway, Setting
from domain.webhooks.model import (
    GatewayPayment,
    PayloadError,
    PaymentStatus,
    SignatureError,
    field,
    header,
    load_object,
    minor_units,
    optional,
    read_amount,
    text,
)

PROVIDER, PATH, V1_HEADER = "phonepe", "phonepe", "X-VERIFY"

_STATUS: dict[str, PaymentStatus] = {
    "PAYMENT_SUCCESS": "succeeded", "PAYMENT_PENDING": "pending", "PAYMENT_ERROR": "failed",
    "PAYMENT_DECLINED": "failed", "PAYMENT_CANCELLED": "failed", "TIMED_OUT": "failed",
}  # fmt: skip


def signed_response(obj: dict[str, Any]) -> str:
    response = obj.get("response")
    if not isinstance(response, str) or not response:
        raise PayloadError("missing field response")
    return response


def sign_v1(body: bytes, *, salt_key: str, salt_index: int | str) -> str:
    response = signed_response(load_object(body))
    return f"{hashlib.sha256((response + salt_key).encode()).hexdigest()}###{salt_index}"


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


def parse_v1(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """`headers` unused: PhonePe sends no delivery id."""
    response = signed_response(load_object(body))
    try:
        decoded = load_object(base64.b64decode(response, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("response is not valid base64") from exc
    data = field(decoded, "data")
    amount, problem = read_amount(lambda: minor_units(optional(data, "amount"), "data.amount"))
    return GatewayPayment(
        provider=PROVIDER,
        transaction_id=text(field(data, "transactionId"), "data.transactionId"),
        payment_reference=text(field(data, "merchantTransactionId"), "data.merchantTransactionId"),
        amount=amount,
        currency="INR",  # PhonePe PG takes rupees only
        status=_STATUS.get(str(decoded.get("code")), "other"),
        paid_at=None,  # v1 callbacks carry no payment time
        event_id=None,
        amount_problem=problem,
    )


def _verify(body: bytes, headers: Mapping[str, str], creds: Credentials, now: datetime) -> None:
    salt_key, salt_index = creds.get("phonepe_salt_key"), creds.get("phonepe_salt_index")
    if not salt_key or not salt_index:
        raise SignatureError("PhonePe v1 callbacks are not configured")
    verify_v1(body, headers, salt_key=salt_key, salt_index=salt_index, now=now)


def _sign(body: bytes, creds: Credentials, now: datetime) -> dict[str, str]:
    salt_key, salt_index = creds.get("phonepe_salt_key") or "", creds.get("phonepe_salt_index")
    return {V1_HEADER: sign_v1(body, salt_key=salt_key, salt_index=salt_index or "1")}


def example(reference: str, txn: str, amount: Decimal, succeeded: bool = True) -> bytes:
    code = "PAYMENT_SUCCESS" if succeeded else "PAYMENT_ERROR"
    data: dict[str, Any] = {"merchantId": "PGTESTPAYUAT", "merchantTransactionId": reference}
    data |= {"transactionId": txn, "amount": int(amount.scaleb(2))}
    data |= {"state": "COMPLETED" if succeeded else "FAILED"}
    decoded = {"success": succeeded, "code": code, "data": data}
    response = base64.b64encode(json.dumps(decoded).encode()).decode()
    return json.dumps({"response": response}).encode()


GATEWAY = Gateway(
    name="phonepe_v1",
    path=PATH,
    provider=PROVIDER,
    title="PhonePe PG v1",
    settings=(
        Setting("phonepe_salt_key", help="the salt key that signs X-VERIFY"),
        Setting("phonepe_salt_index", secret=False, dev_value="1", help="its index, e.g. 1"),
    ),
    verify=_verify,
    parse=parse_v1,
    sign=_sign,
    example=example,
    claims=lambda headers: header(headers, V1_HEADER) is not None,
)
