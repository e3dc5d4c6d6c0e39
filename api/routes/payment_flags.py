"""POST /v1/admin/payments/{provider}/{transaction_id}/flag: a payment ops should look at.

Flagging changes no money: the payment stays applied; it is marked, audited and listed
under ops alerts, so a chargeback or a forged proof can be followed up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.audited import AppActing
from api.auth import require
from api.errors import ApiError
from db.alerts import OPS_ALERTS
from db.models import Payment, Share
from domain.types import Identifier, Text

router = APIRouter(tags=["admin"])


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(min_length=1, max_length=2000)


class Flagged(BaseModel):
    provider: str
    transaction_id: str
    flagged_at: datetime


@router.post(
    "/v1/admin/payments/{provider}/{transaction_id}/flag", dependencies=[Depends(require("admin"))]
)
async def flag_payment(
    provider: Identifier,
    transaction_id: Annotated[Text, Path(max_length=128)],
    body: FlagIn,
    act: AppActing,
) -> Flagged:
    now = act.now
    where = (Payment.provider == provider, Payment.transaction_id == transaction_id)
    async with act.deps.sessions() as s:  # the payment's user picks the chain (never changes)
        found = (
            await s.execute(
                select(Payment.id, Share.user_id)
                .outerjoin(Share, Payment.event_id == Share.event_id)
                .where(*where)
            )
        ).one_or_none()
    if found is None:
        raise ApiError(404, f"no payment {provider}:{transaction_id}")
    partition = found.user_id or OPS_ALERTS  # an unmatched payment belongs to no user
    async with act.audited(partition) as a:
        payment = await a.locked(select(Payment).where(*where))
        if payment.flagged_at is None:
            await a.record(
                "payment.flagged",
                subject=OPS_ALERTS,
                key=f"flag:{provider}:{transaction_id}",
                details={"share": payment.event_id, "reason": body.note},
                at=now,
            )
            payment.flagged_at, payment.flag_note = now, body.note
    return Flagged(provider=provider, transaction_id=transaction_id, flagged_at=payment.flagged_at)
