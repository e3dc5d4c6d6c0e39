"""Verify payment-gateway callbacks and parse them into one GatewayPayment shape.

Each provider module offers `verify(body, headers, *, <credentials>, now)` (raises
SignatureError) and `parse(body, headers=None)` (raises PayloadError; call it only after
verify), plus `sign(...)` for tests and the emulator.
"""

from domain.webhooks import cashfree, phonepe, razorpay, standard
from domain.webhooks.limits import MAX_WEBHOOK_BODY_BYTES, TIMESTAMP_TOLERANCE
from domain.webhooks.model import GatewayPayment, PayloadError, PaymentStatus, SignatureError

__all__ = [
    "MAX_WEBHOOK_BODY_BYTES",
    "TIMESTAMP_TOLERANCE",
    "GatewayPayment",
    "PayloadError",
    "PaymentStatus",
    "SignatureError",
    "cashfree",
    "phonepe",
    "razorpay",
    "standard",
]
