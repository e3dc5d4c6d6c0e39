"""A payment counts toward its share once, even when its row is put back from an old copy.

A row's seal proves what the row says, not that it is the newest state: the API's database
role can restore a payment row as it was before it was applied (`received`, its seal valid).
The payment reconciler then found it left received and counted it again: one 50.00 payment,
100.00 paid. The audit step that records the counting is append-only: it is checked first."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update

from activities import contracts as c
from db.models import AuditEntry, Payment
from tests.support.payments import record_payment, usdt_payment
from tests.support.records import ledger, recorded_share, share_row


async def test_a_payment_row_put_back_to_received_is_not_counted_again(deps):
    event = await recorded_share(deps, days_ago=61)  # in collections: 150.00 owed
    books, now = ledger(deps), datetime.now(UTC)
    payment = await record_payment(
        deps,
        event.event_id,
        usdt_payment("50.00", paid_at=now),
    )
    async with deps.sessions() as s:
        before = await s.scalar(
            select(Payment).where(Payment.transaction_id == payment.transaction_id)
        )
    cmd = c.CreditPaymentInput(
        event_id=event.event_id, user_id=event.user_id, payment=payment, at=now
    )
    assert await books.credit_payment(cmd) == "applied"

    async with deps.sessions.begin() as s:  # the old copy, its seal as valid as it was
        await s.execute(
            update(Payment)
            .where(Payment.id == before.id)
            .values(status="received", applied_at=None, note=None, seal=before.seal)
        )
    assert await books.credit_payment(cmd) == "duplicate"
    share = await share_row(deps, event.event_id)
    assert deps.cipher.decrypt_decimal(share.amount_paid_enc) == Decimal("50.00")
    async with deps.sessions() as s:
        alert = await s.scalar(
            select(AuditEntry.action).where(
                AuditEntry.idempotency_key == f"recounted:standard:{payment.transaction_id}"
            )
        )
    assert alert == "ops.alert"
