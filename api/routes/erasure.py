"""POST /v1/admin/users/{user_id}/erase: GDPR erasure by crypto-shredding (db/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends

from api.audited import AppActing
from api.auth import require
from api.errors import ApiError
from db import erasure
from domain.types import Identifier

router = APIRouter(tags=["privacy"])


@router.post(
    "/v1/admin/users/{user_id}/erase",
    dependencies=[Depends(require("admin"))],
)
async def erase_user(user_id: Identifier, act: AppActing) -> erasure.ErasureReport:
    try:
        async with act.audited(user_id) as a:
            report = await erasure.erase_user(a, user_id, at=datetime.now(UTC))
    except LookupError as err:
        raise ApiError(404, str(err)) from err
    return report
