"""Money for a share that owes nothing is kept as credit: recorded, audited, ops alerted.

One home for the rule, used by the ledger activity (a payment the workflow hands over after
the share closed) and by the webhook route (a payment for a share whose workflow is done).
The caller holds an audited change (db/audited.py) with the share and payment rows locked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from db.alerts import alert_ops
from db.audited import Audit
from db.counted import counted_step
from db.models import Payment, Share
from db.seals import seal_row
from db.shares import book_of, set_amounts
from domain.money import format_money

Kept = Literal["credited", "refused"]


async def keep_as_credit(a: Audit, share: Share, row: Payment, *, at: datetime) -> Kept:
    """Credits the payment `row` to `share` (rounded half-up to its minor unit)."""
    book = book_of(share, a.cipher)
    amount = a.cipher.decrypt_decimal(row.amount_enc)
    if book is None or amount is None:
        row.status, row.note = "refused", "the share was never billed"
        seal_row(row, a.hasher, a.cipher)
        await _alert(a, row, share, at, row.note)
        return "refused"
    credited, payment = book.pay(amount, row.currency, at)
    if payment.result == "refused":
        row.status, row.note = "refused", payment.note
        seal_row(row, a.hasher, a.cipher)
        await _alert(a, row, share, at, f"payment refused: {payment.note}")
        return "refused"
    row.status, row.applied_at, row.event_id = "credited", at, share.event_id
    row.note = payment.note or None
    seal_row(row, a.hasher, a.cipher)
    set_amounts(share, a.cipher, amount_paid=credited.paid, credit=credited.credit)
    a.changed(share)
    await a.record_share(
        "share.credited",
        share.event_id,
        counted_step(row.provider, row.transaction_id),
        at=at,
        details={
            "provider": row.provider,
            "transaction_id": row.transaction_id,
            "amount": format_money(payment.amount),
            "status": share.status,
        },
    )
    await _alert(a, row, share, at, f"payment after the share was {share.status}: kept as credit")
    return "credited"


async def _alert(a: Audit, row: Payment, share: Share, at: datetime, reason: str) -> None:
    await alert_ops(
        a,
        at=at,
        key=f"credit:{row.provider}:{row.transaction_id}",
        reason=reason,
        share=share.event_id,
        transaction_id=row.transaction_id,
    )
