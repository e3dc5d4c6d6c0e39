import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.webhooks import (
    MAX_WEBHOOK_BODY_BYTES,
    GatewayPayment,
    PayloadError,
    cashfree,
    phonepe,
    razorpay,
    standard,
)
from tests.support import webhook_samples as samples

PAID_AT = datetime(2026, 11, 20, 10, 25, tzinfo=UTC)  # samples.CREATED_AT


def payment(provider: str, txn: str, **overrides: Any) -> GatewayPayment:
    fields: dict[str, Any] = {"payment_reference": "ps_7Q2M", "amount": Decimal("150.00")}
    fields |= {"currency": "INR", "status": "succeeded", "paid_at": PAID_AT, "event_id": None}
    return GatewayPayment(provider=provider, transaction_id=txn, **(fields | overrides))


def test_razorpay_captured_failed_link_and_other_events() -> None:
    body = samples.razorpay_payment_captured("ps_7Q2M", "pay_FOGsH8uHkF2FbR", 150_00)
    headers = samples.signed_headers_razorpay(body, "secret", event_id="evt_1")
    assert razorpay.parse(body, headers) == payment(
        "razorpay", "pay_FOGsH8uHkF2FbR", event_id="evt_1"
    )
    failed = samples.razorpay_payment_failed("ps_7Q2M", "pay_X", 150_00)
    assert razorpay.parse(failed) == payment("razorpay", "pay_X", status="failed", paid_at=None)
    # payment_link.paid carries the reference on the link and order, not the payment
    linked = samples.razorpay_payment_link_paid("ps_7Q2M", "pay_L", 150_00)
    assert razorpay.parse(linked) == payment("razorpay", "pay_L")
    refund = body.replace(b'"payment.captured"', b'"refund.processed"')
    assert razorpay.parse(refund).status == "other"


def test_cashfree_success_and_failures() -> None:
    body = samples.cashfree_payment("ps_7Q2M", "1453002795", "150.00")
    headers = {"X-Idempotency-Key": "n9rn7079wq"}
    parsed = cashfree.parse(body, headers)
    assert parsed == payment("cashfree", "1453002795", event_id="n9rn7079wq")
    assert str(parsed.amount) == "150.00"  # exactly as sent, never via float
    numeric_id = body.replace(b'"1453002795"', b"1453002795")  # older versions send a number
    assert cashfree.parse(numeric_id).transaction_id == "1453002795"
    for status in ("FAILED", "USER_DROPPED"):
        failed = cashfree.parse(samples.cashfree_payment("ps_7Q2M", "1", "150.00", status))
        assert (failed.status, failed.paid_at) == ("failed", None)


def test_phonepe_v1_callbacks() -> None:
    body = samples.phonepe_v1_callback("ps_7Q2M", "T2111221437456190170379", 150_00)
    assert phonepe.parse(body) == payment("phonepe", "T2111221437456190170379", paid_at=None)
    failed = samples.phonepe_v1_callback("ps_7Q2M", "T1", 150_00, code="PAYMENT_ERROR")
    assert phonepe.parse(failed).status == "failed"


def test_phonepe_v2_callbacks() -> None:
    body = samples.phonepe_v2_order("ps_7Q2M", "OMO24032820", "OM2403282020", 150_00)
    assert phonepe.parse(body) == payment("phonepe", "OM2403282020")
    failed = samples.phonepe_v2_order(
        "ps_7Q2M", "OMO1", "OM1", 150_00, event="checkout.order.failed"
    )
    assert phonepe.parse(failed) == payment("phonepe", "OM1", status="failed", paid_at=None)
    # A failed attempt before the successful one: the completed attempt is the payment.
    event = json.loads(body)
    event["payload"]["paymentDetails"].insert(0, {"transactionId": "OM0", "state": "FAILED"})
    assert phonepe.parse(json.dumps(event).encode()).transaction_id == "OM2403282020"
    # Refund events also say COMPLETED; they are not payments.
    event["event"], event["type"] = "pg.refund.completed", "PG_REFUND_COMPLETED"
    assert phonepe.parse(json.dumps(event).encode()).status == "other"


def test_standard_webhooks_types() -> None:
    body = samples.standard_payment("ps_7Q2M", "txn_01", "150.00")
    parsed = standard.parse(body, {"Webhook-Id": "msg_1"})
    assert parsed == payment("standard", "txn_01", event_id="msg_1")
    failed = samples.standard_payment("ps_7Q2M", "txn_02", "150.00", type="payment.failed")
    assert standard.parse(failed) == payment("standard", "txn_02", status="failed", paid_at=None)
    other = samples.standard_payment("ps_7Q2M", "txn_03", "150.00", type="payment.refunded")
    assert standard.parse(other).status == "other"


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1.00", "1e3", " 1", "", "1.", 150, None])
def test_standard_rejects_bad_amounts(amount: object) -> None:
    event = json.loads(samples.standard_payment("ps_7Q2M", "txn_01", "0"))
    event["data"]["amount"] = amount
    with pytest.raises(PayloadError):
        standard.parse(json.dumps(event).encode())


@pytest.mark.parametrize("literal", [b"NaN", b"-Infinity", b"-1", b'"abc"', b"true"])
def test_cashfree_rejects_bad_amounts(literal: bytes) -> None:
    with pytest.raises(PayloadError):
        cashfree.parse(samples.cashfree_payment("ps_7Q2M", "1", literal.decode()))


@pytest.mark.parametrize("amount", [150.5, -100, True, "15000"])
def test_paise_must_be_a_non_negative_integer(amount: object) -> None:
    event = json.loads(samples.razorpay_payment_captured("ps_7Q2M", "pay_1", 0))
    event["payload"]["payment"]["entity"]["amount"] = amount
    with pytest.raises(PayloadError):
        razorpay.parse(json.dumps(event).encode())


@pytest.mark.parametrize("parse", [razorpay.parse, cashfree.parse, phonepe.parse, standard.parse])
@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"{}", b'{"payload": 1, "data": 1}', b'{"response": "!!"}',
     b"{" + b" " * MAX_WEBHOOK_BODY_BYTES + b"}"],
)  # fmt: skip
def test_malformed_bodies_raise_payload_error(
    parse: Callable[[bytes], GatewayPayment], body: bytes
) -> None:
    with pytest.raises(PayloadError):
        parse(body)


def test_standard_paid_at_needs_a_zone() -> None:
    event = json.loads(samples.standard_payment("ps_7Q2M", "txn_01", "1.00"))
    event["data"]["paid_at"] = "2026-11-20T10:25:00"
    with pytest.raises(PayloadError):
        standard.parse(json.dumps(event).encode())


@given(st.integers(min_value=0, max_value=10**15))
def test_paise_convert_exactly(paise: int) -> None:
    body = samples.razorpay_payment_captured("ps_7Q2M", "pay_1", paise)
    amount = razorpay.parse(body).amount
    assert amount * 100 == paise and amount.as_tuple().exponent == -2


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_strings_parse_exactly(amount: Decimal) -> None:
    body = samples.standard_payment("ps_7Q2M", "txn_01", str(amount))
    assert standard.parse(body).amount == amount
