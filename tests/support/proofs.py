"""Manual UPI payment proofs as the backend submits them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


def proof_body(
    amount: str = "142.50", *, txn: str | None = None, paid_at: datetime | None = None
) -> dict:
    return {
        "transaction_id": txn or utr(),
        "amount": amount,
        "currency": "USDT",
        "paid_at": (paid_at or datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }


def proofs_url(event_id: str) -> str:
    return f"/v1/shares/{event_id}/payment-proofs"


def utr() -> str:
    """A fresh 12-digit UPI transaction reference (UTR), as proofs must carry."""
    return str(10**11 + uuid.uuid4().int % (9 * 10**11))
