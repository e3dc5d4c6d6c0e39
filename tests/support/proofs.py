"""Manual UPI payment proofs as the backend submits them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


def proof_body(
    amount: str = "142.50", *, txn: str | None = None, paid_at: datetime | None = None
) -> dict:
    return {
        "transaction_id": txn or f"UPI{uuid.uuid4().hex[:12]}",
        "amount": amount,
        "currency": "USDT",
        "paid_at": (paid_at or datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }


def proofs_url(event_id: str) -> str:
    return f"/v1/shares/{event_id}/payment-proofs"
