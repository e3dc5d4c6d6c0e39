"""A transfer counts once (DESIGN.md: a proof's transaction id is unique across all payments).

A manual UPI proof names its transfer by UTR; a gateway names it by its own payment id and,
for a UPI payment, reports the UTR beside it (`payments.utr`). The same transfer must not be
counted through both, whichever arrives first: the proof routes ask `payment_carrying`, the
webhook path asks `approved_proof_claiming`.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Payment, PaymentProof
from domain.upi import UPI_PROOF


async def payment_carrying(s: AsyncSession, utr: str, *, gateways_only: bool = False) -> str | None:
    """The provider of a payment row that is this transfer (by its id, or by the UTR its
    gateway reported); with `gateways_only`, an approved proof's own row does not count."""
    query = select(Payment.provider).where(or_(Payment.transaction_id == utr, Payment.utr == utr))
    if gateways_only:
        query = query.where(Payment.provider != UPI_PROOF)
    return await s.scalar(query.limit(1))


async def approved_proof_claiming(s: AsyncSession, ids: Collection[str]) -> str | None:
    """The id of an approved proof whose UTR is one of `ids` (a payment's id and its UTR)."""
    return await s.scalar(
        select(PaymentProof.id).where(
            PaymentProof.transaction_id.in_(list(ids)), PaymentProof.status == "approved"
        )
    )
