"""The UTR each gateway reports for a UPI payment, beside its own payment id: what a manual
proof claiming the same transfer is matched against (api/routes/proofs.py)."""

import json
from decimal import Decimal

from domain.upi import utr_in
from domain.webhooks import cashfree, phonepe_v2, razorpay


def test_razorpay_s_rrn_is_the_utr():
    event = json.loads(razorpay.example("PS1", "pay_1", Decimal("1.00"), True))
    assert razorpay.parse(json.dumps(event).encode()).utr is None  # a card: none
    event["payload"]["payment"]["entity"]["acquirer_data"] = {"rrn": "033814379298"}
    assert razorpay.parse(json.dumps(event).encode()).utr == "033814379298"


def test_cashfree_s_bank_reference_is_the_utr_only_for_upi():
    body = json.loads(cashfree.example("PS1", "cf1", Decimal("1.00"), True))
    body["data"]["payment"] |= {"bank_reference": "4123 4567 8901", "payment_group": "upi"}
    assert cashfree.parse(json.dumps(body).encode()).utr == "412345678901"
    body["data"]["payment"]["payment_group"] = "net_banking"
    assert cashfree.parse(json.dumps(body).encode()).utr is None


def test_phonepe_s_rail_utr_is_the_utr():
    status = {
        "orderId": "OMO1",
        "state": "COMPLETED",
        "amount": 14250,
        "paymentDetails": [
            {
                "transactionId": "OM1",
                "state": "COMPLETED",
                "timestamp": 1_795_170_295_000,
                "rail": {"type": "UPI", "utr": "412345678901", "upiTransactionId": "YBL1"},
            }
        ],
    }
    assert phonepe_v2.confirmed("PS1", status).utr == "412345678901"


def test_what_is_not_a_utr_is_none():
    assert [utr_in(v) for v in (None, True, "", "pay_1", "41234567890123", 412345678901)] == [
        None,
        None,
        None,
        None,
        None,
        "412345678901",
    ]
