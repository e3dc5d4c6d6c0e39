"""Verify payment-gateway callbacks and parse them into one GatewayPayment shape.

Each gateway module offers `verify(body, headers, *, <credentials>, now)` (raises
SignatureError) and `parse(body, headers=None)` (raises PayloadError; call it only after
verify), plus `sign(...)` for tests and the emulator, and ends with its `GATEWAY`
descriptor; `registry` lists the gateways.
"""

from domain.webhooks import cashfree, phonepe, phonepe_v1, phonepe_v2, razorpay, standard
from domain.webhooks.limits import MAX_WEBHOOK_BODY_BYTES, TIMESTAMP_TOLERANCE
from domain.webhooks.model import (
    GatewayPayment,
    PayloadError,
    PaymentStatus,
    SignatureError,
    UnusableAmount,
)

__all__ = [
    "MAX_WEBHOOK_BODY_BYTES",
    "TIMESTAMP_TOLERANCE",
    "GatewayPayment",
    "PayloadError",
    "PaymentStatus",
    "SignatureError",
    "UnusableAmount",
    "cashfree",
    "phonepe",
    "phonepe_v1",
    "phonepe_v2",
    "razorpay",
    "standard",
]
