"""A gateway payment recorded as the webhook route records it, before the workflow is told.

APPLY_PAYMENT applies only payments the API recorded (activities/ledger/recorded.py); tests
that drive the workflow or the ledger directly record the row first, as the API would.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from db.models import Payment, Share
from db.seals import sealed_values
from domain.models import PaymentSignal
from runtime.deps import Deps


async def record_payment(deps: Deps, event_id: str, payment: PaymentSignal) -> PaymentSignal:
    async with deps.sessions.begin() as s:
        reference = await s.scalar(
            select(Share.payment_reference).where(Share.event_id == event_id)
        )
        await s.execute(
            insert(Payment)
            .values(
                **sealed_values(
                    Payment,
                    deps.hasher,
                    deps.cipher,
                    provider=payment.provider,
                    transaction_id=payment.transaction_id,
                    event_id=event_id,
                    payment_reference=reference,
                    amount_enc=deps.cipher.encrypt(str(payment.amount)),
                    currency=payment.currency,
                    paid_at=payment.paid_at,
                    status="received",
                )
            )
            .on_conflict_do_nothing(constraint="uq_payment_txn")
        )
    return payment


def usdt_payment(
    amount: str, *, txn: str | None = None, paid_at: datetime | None = None
) -> PaymentSignal:
    """A Standard Webhooks payment in USDT (the test shares' currency), paid now by default."""
    return PaymentSignal(
        provider="standard",
        transaction_id=txn or f"txn-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        currency="USDT",
        paid_at=paid_at or datetime.now(UTC),
    )
