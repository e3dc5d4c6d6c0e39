"""Realistic gateway callback bodies, shaped like each gateway's documented samples, and
their signed headers. Shared by the domain tests and the API tests."""

import base64
import json
from datetime import datetime
from typing import Any

from domain.webhooks import cashfree, phonepe, razorpay, standard

CREATED_AT = 1_795_170_300  # 2026-11-20T10:25:00Z, Unix seconds
ORDER_COMPLETED = "checkout.order.completed"


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _razorpay(event: str, txn_id: str, amount_paise: int, notes: Any) -> dict[str, Any]:
    ok = event != "payment.failed"
    entity: dict[str, Any] = {"id": txn_id, "entity": "payment", "amount": amount_paise}
    entity |= {"currency": "INR", "status": "captured" if ok else "failed", "captured": ok}
    entity |= {"method": "upi"}
    entity |= {"order_id": "order_FOGs9Hz3ZaAjsm", "international": False, "amount_refunded": 0}
    entity |= {"vpa": "gaurav.kumar@exampleupi", "email": "void@razorpay.com", "notes": notes}
    entity |= {"fee": 236 if ok else None, "tax": 36 if ok else None, "created_at": CREATED_AT - 5}
    entity |= {"error_code": None if ok else "BAD_REQUEST_ERROR", "error_description": None}
    return {
        "entity": "event",
        "account_id": "acc_BFQ7uQEaa7j2z7",
        "event": event,
        "contains": ["payment"],
        "payload": {"payment": {"entity": entity}},
        "created_at": CREATED_AT,
    }


def razorpay_payment_captured(reference: str, txn_id: str, amount_paise: int) -> bytes:
    notes = {"payment_reference": reference}
    return _json(_razorpay("payment.captured", txn_id, amount_paise, notes))


def razorpay_payment_failed(reference: str, txn_id: str, amount_paise: int) -> bytes:
    notes = {"payment_reference": reference}
    return _json(_razorpay("payment.failed", txn_id, amount_paise, notes))


def razorpay_payment_link_paid(reference: str, txn_id: str, amount_paise: int) -> bytes:
    """As documented: the payment's notes arrive as [] and the order and link hold them."""
    event = _razorpay("payment_link.paid", txn_id, amount_paise, [])
    notes = {"payment_reference": reference}
    order = {"id": "order_FOGs9Hz3ZaAjsm", "entity": "order", "status": "paid", "notes": notes}
    link = {"id": "plink_FOGqq3O6E5bkml", "status": "paid", "reference_id": "", "notes": notes}
    event["contains"] = ["payment", "order", "payment_link"]
    event["payload"] |= {"order": {"entity": order}, "payment_link": {"entity": link}}
    return _json(event)


_CASHFREE_TYPE = {"SUCCESS": "PAYMENT_SUCCESS_WEBHOOK", "FAILED": "PAYMENT_FAILED_WEBHOOK"}


def cashfree_payment(reference: str, txn_id: str, amount: str, status: str = "SUCCESS") -> bytes:
    """`amount` in rupees ("150.00"), inserted verbatim as a bare JSON number as Cashfree
    sends it (so a test can also feed a malformed number)."""
    payment: dict[str, Any] = {"cf_payment_id": txn_id, "payment_status": status}
    payment |= {"payment_amount": "@AMOUNT@", "payment_currency": "INR"}
    payment |= {"payment_message": "00::Transaction success"}
    payment |= {"payment_time": "2026-11-20T15:55:00+05:30", "bank_reference": "234928698581"}
    payment |= {"payment_method": {"upi": {"channel": "collect", "upi_id": "suhasg6@ybl"}}}
    order = {"order_id": reference, "order_amount": "@AMOUNT@", "order_currency": "INR"}
    customer = {"customer_id": "7112AAA812234", "customer_phone": "9908734801"}
    data = {"order": order, "payment": payment, "customer_details": customer}
    kind = _CASHFREE_TYPE.get(status, "PAYMENT_USER_DROPPED_WEBHOOK")
    body = _json({"data": data, "event_time": "2026-11-20T15:55:04+05:30", "type": kind})
    return body.replace(b'"@AMOUNT@"', amount.encode())


def phonepe_v1_callback(
    reference: str, txn_id: str, amount_paise: int, code: str = "PAYMENT_SUCCESS"
) -> bytes:
    ok = code == "PAYMENT_SUCCESS"
    data: dict[str, Any] = {"merchantId": "PGTESTPAYUAT", "merchantTransactionId": reference}
    data |= {
        "transactionId": txn_id,
        "amount": amount_paise,
        "state": "COMPLETED" if ok else "FAILED",
    }
    data |= {"responseCode": "SUCCESS" if ok else "PAYMENT_ERROR"}
    data |= {"paymentInstrument": {"type": "UPI", "utr": "206378866112"}}
    decoded = {"success": ok, "code": code, "message": "Your payment is complete.", "data": data}
    return _json({"response": base64.b64encode(_json(decoded)).decode()})


def phonepe_v2_order(
    reference: str, order_id: str, txn_id: str, amount_paise: int, event: str = ORDER_COMPLETED
) -> bytes:
    state = "COMPLETED" if event.endswith("completed") else "FAILED"
    attempt: dict[str, Any] = {"paymentMode": "UPI_QR", "transactionId": txn_id}
    attempt |= {"timestamp": CREATED_AT * 1000, "amount": amount_paise, "state": state}
    payload: dict[str, Any] = {"merchantId": "MID", "merchantOrderId": reference}
    payload |= {"orderId": order_id}
    payload |= {"state": state, "amount": amount_paise, "expireAt": CREATED_AT * 1000 + 1_200_000}
    payload |= {"metaInfo": {"udf1": ""}, "paymentDetails": [attempt]}
    return _json({"event": event, "type": "CHECKOUT_ORDER_" + state, "payload": payload})


def standard_payment(
    reference: str, txn_id: str, amount: str, type: str = "payment.succeeded", currency: str = "INR"
) -> bytes:
    paid_at = "2026-11-20T10:25:00Z"
    data: dict[str, Any] = {
        "payment_reference": reference,
        "transaction_id": txn_id,
        "amount": amount,
    }
    data |= {"currency": currency, "paid_at": paid_at}
    return _json({"type": type, "timestamp": paid_at, "data": data})


def signed_headers_razorpay(body: bytes, secret: str, event_id: str = "evt_Nn1pZ0u3") -> dict:
    signature = razorpay.sign(body, secret=secret)
    return {"X-Razorpay-Signature": signature, "X-Razorpay-Event-Id": event_id}


def signed_headers_cashfree(body: bytes, secret: str, now: datetime) -> dict:
    stamp = int(now.timestamp() * 1000)
    signature = cashfree.sign(body, secret=secret, timestamp_ms=stamp)
    return {"x-webhook-signature": signature, "x-webhook-timestamp": str(stamp)}


def signed_headers_phonepe_v1(body: bytes, salt_key: str, salt_index: int = 1) -> dict:
    return {"X-VERIFY": phonepe.sign_v1(body, salt_key=salt_key, salt_index=salt_index)}


def signed_headers_phonepe_v2(username: str, password: str) -> dict:
    return {"Authorization": phonepe.sign_v2(username=username, password=password)}


def signed_headers_standard(
    body: bytes, secret: str, now: datetime, msg_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
) -> dict:
    signature = standard.sign(body, secret=secret, msg_id=msg_id, timestamp=now)
    stamp = str(int(now.timestamp()))
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": signature}
