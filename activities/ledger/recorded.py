"""Which payments may move money: only those the API recorded after checking them.

A gateway payment is applied only if the API stored its row after a verified signature
(api/routes/webhooks.py), for this share, in the amount and currency the workflow was told;
a manual UPI payment only if an admin approved its proof (api/routes/proofs.py), whose row
then becomes the payment row. Anything else reaching APPLY_PAYMENT (a signal forged with the
codec key, a bug) is refused and alerted: the activity never creates a payment on its word.
"""

from __future__ import annotations

from sqlalchemy import select

from activities import contracts as c
from db.audited import Audit
from db.models import Payment, PaymentProof, Share
from db.proof_review import record_as_payment
from domain.upi import UPI_PROOF


async def recorded_payment(a: Audit, cmd: c.ApplyPaymentInput, share: Share) -> Payment | str:
    """The payment's row, locked, or why it may not be applied."""
    p = cmd.payment
    where = (Payment.provider == p.provider, Payment.transaction_id == p.transaction_id)
    row = await a.locked(select(Payment).where(*where))
    if row is None and p.provider == UPI_PROOF:
        proof = await a.locked(
            select(PaymentProof).where(
                PaymentProof.event_id == cmd.event_id,
                PaymentProof.transaction_id == p.transaction_id,
                PaymentProof.status == "approved",
            )
        )
        if proof is None:
            return "no approved payment proof has this transaction id"
        await record_as_payment(a.session, a.hasher, a.cipher, proof, share.payment_reference)
        row = await a.locked(select(Payment).where(*where))
    if row is None:
        return "the API recorded no such payment"
    if row.event_id != cmd.event_id:
        return "the recorded payment belongs to another share"
    if row.status not in ("received", "applied", "credited"):
        return f"the recorded payment is {row.status}"
    amount = a.cipher.decrypt_decimal(row.amount_enc)
    if amount != p.amount or row.currency.upper() != p.currency.upper():
        return "the amount or currency differs from the recorded payment"
    return row
