"""POST /v1/admin/users/{user_id}/erase: GDPR erasure by crypto-shredding (db/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request

from api.auth import require, token_actor
from api.deps import AppDeps
from api.errors import ApiError
from db import erasure
from db.audited import audited
from domain.types import Identifier

router = APIRouter(tags=["privacy"])


@router.post(
    "/v1/admin/users/{user_id}/erase",
    dependencies=[Depends(require("admin"))],
)
async def erase_user(user_id: Identifier, request: Request, deps: AppDeps) -> erasure.ErasureReport:
    actor = token_actor(request)
    try:
        async with audited(deps.sessions, deps.auditor, actor=actor, partition=user_id) as a:
            report = await erasure.erase_user(a, user_id, at=datetime.now(UTC))
    except LookupError as err:
        raise ApiError(404, str(err)) from err
    return report
