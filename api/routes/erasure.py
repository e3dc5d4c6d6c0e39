"""POST /v1/admin/users/{user_id}/erase: GDPR erasure by crypto-shredding (db/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request

from api.auth import require
from api.errors import ApiError
from db import erasure
from domain.types import Identifier

router = APIRouter(tags=["privacy"])


@router.post("/v1/admin/users/{user_id}/erase", response_model=erasure.ErasureReport)
async def erase_user(
    user_id: Identifier, request: Request, role: str = Depends(require("admin"))
) -> erasure.ErasureReport:
    deps = request.app.state.deps
    async with deps.sessions.begin() as s:
        try:
            report = await erasure.erase_user(
                s, deps.cipher, user_id, actor=role, at=datetime.now(UTC)
            )
        except LookupError as err:
            raise ApiError(404, str(err)) from err
    return report
