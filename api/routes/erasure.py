"""POST /v1/admin/users/{user_id}/erase: GDPR erasure by crypto-shredding (db/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.auth import require
from api.errors import ApiError
from db import erasure
from domain.types import Identifier

router = APIRouter(tags=["privacy"])


class ErasureOut(BaseModel):
    user_id: str
    erased_at: datetime
    already_erased: bool
    data_key_destroyed: bool
    risk_decisions_pseudonymised: int
    device_sightings_deleted: int
    screenshots_deleted: int
    proofs_pseudonymised: int
    consents_pseudonymised: int
    profit_events_pseudonymised: int
    exchange_credentials_erased: int
    # Financial records and the audit log stay, under the user id (a pseudonym).
    kept: list[str]


@router.post("/v1/admin/users/{user_id}/erase", response_model=ErasureOut)
async def erase_user(
    user_id: Identifier, request: Request, role: str = Depends(require("admin"))
) -> ErasureOut:
    deps = request.app.state.deps
    async with deps.sessions.begin() as s:
        try:
            report = await erasure.erase_user(
                s, deps.cipher, user_id, actor=role, at=datetime.now(UTC)
            )
        except LookupError as err:
            raise ApiError(404, str(err)) from err
    return ErasureOut(**vars(report))
