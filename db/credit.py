"""Money for a share that owes nothing is kept as credit: recorded, audited, ops alerted.

One home for the rule, used by the ledger activity (a payment the workflow hands over after
the share closed) and by the webhook route (a payment for a share whose workflow is done).
The caller holds the audit chain lock, then the share and payment rows (one lock order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.alerts import alert_ops
from db.crypto import FieldCipher, RecordHasher
from db.models import Payment, Share
from db.shares import book_of, seal, set_amounts
from domain.money import format_money

Kept = Literal["credited", "refused"]


async def keep_as_credit(
    s: AsyncSession,
    cipher: FieldCipher,
    hasher: RecordHasher,
    share: Share,
    row: Payment,
    *,
    at: datetime,
    actor: str,
) -> Kept:
    """Credits the payment `row` to `share` (rounded half-up to its minor unit)."""
    book = book_of(share, cipher)
    amount = cipher.decrypt_decimal(row.amount_enc)
    if book is None or amount is None:
        row.status, row.note = "refused", "the share was never billed"
        await _alert(s, cipher, row, share, at, actor, row.note)
        return "refused"
    credited, payment = book.pay(amount, row.currency, at)
    if payment.result == "refused":
        row.status, row.note = "refused", payment.note
        await _alert(s, cipher, row, share, at, actor, f"payment refused: {payment.note}")
        return "refused"
    row.status, row.applied_at, row.event_id = "credited", at, share.event_id
    row.note = payment.note or None
    set_amounts(share, cipher, amount_paid=credited.paid, credit=credited.credit)
    share.updated_at = func.now()
    seal(share, cipher, hasher)
    await audit.append(
        s,
        cipher,
        at=at,
        actor=actor,
        action="share.credited",
        subject=share.event_id,
        key=f"{share.event_id}:payment:{row.provider}:{row.transaction_id}",
        details={
            "provider": row.provider,
            "transaction_id": row.transaction_id,
            "amount": format_money(payment.amount),
            "status": share.status,
        },
    )
    reason = f"payment after the share was {share.status}: kept as credit"
    await _alert(s, cipher, row, share, at, actor, reason)
    return "credited"


async def _alert(
    s: AsyncSession,
    cipher: FieldCipher,
    row: Payment,
    share: Share,
    at: datetime,
    actor: str,
    reason: str,
) -> None:
    await alert_ops(
        s,
        cipher,
        at=at,
        actor=actor,
        key=f"credit:{row.provider}:{row.transaction_id}",
        reason=reason,
        share=share.event_id,
        transaction_id=row.transaction_id,
    )
