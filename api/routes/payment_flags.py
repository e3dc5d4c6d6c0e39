"""POST /v1/admin/payments/{provider}/{transaction_id}/flag: a payment ops should look at.

Flagging changes no money: the payment stays applied; it is marked, audited and listed
under ops alerts, so a chargeback or a forged proof can be followed up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auth import require
from api.errors import ApiError
from db import audit
from db.models import Payment

router = APIRouter(tags=["admin"])


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class Flagged(BaseModel):
    provider: str
    transaction_id: str
    flagged_at: datetime


@router.post("/v1/admin/payments/{provider}/{transaction_id}/flag", response_model=Flagged)
async def flag_payment(
    provider: str,
    transaction_id: str,
    body: FlagIn,
    request: Request,
    role: str = Depends(require("admin")),
) -> Flagged:
    deps = request.app.state.deps
    now = datetime.now(UTC)
    async with deps.sessions.begin() as s:
        await audit.lock_chain(s)  # chain first, then rows: one lock order
        payment = await s.scalar(
            select(Payment)
            .where(Payment.provider == provider, Payment.transaction_id == transaction_id)
            .with_for_update()
        )
        if payment is None:
            raise ApiError(404, f"no payment {provider}:{transaction_id}")
        if payment.flagged_at is None:
            payment.flagged_at, payment.flag_note = now, body.note
            await audit.append(
                s,
                deps.cipher,
                at=now,
                actor=role,
                action="payment.flagged",
                subject="ops/alerts",
                key=f"flag:{provider}:{transaction_id}",
                details={"share": payment.event_id, "reason": body.note},
            )
    return Flagged(provider=provider, transaction_id=transaction_id, flagged_at=payment.flagged_at)
