"""POST /v1/admin/users/{user_id}/exemption: shares still recorded, no restrictions.

As billing systems tag accounts (staff, partners, market makers): the ladder still runs
and is audited, but the user's enforcement level stays at none while exempt.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require, token_actor
from api.deps import AppDeps
from api.errors import ApiError
from api.signals import standing_changed
from db.audited import audited

router = APIRouter(tags=["admin"])


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exempt: bool
    note: str = Field(default="", max_length=2000)


class Exemption(BaseModel):
    user_id: str
    exempt: bool
    enforcement_level: int


@router.post("/v1/admin/users/{user_id}/exemption", dependencies=[Depends(require("admin"))])
async def set_exemption(
    user_id: str,
    body: ExemptionIn,
    request: Request,
    deps: AppDeps,
) -> Exemption:
    now = datetime.now(UTC)
    actor = token_actor(request)
    async with audited(deps.sessions, deps.auditor, actor=actor, partition=user_id) as a:
        user = await a.user(user_id)
        if user is None:
            raise ApiError(404, f"no user {user_id}")
        if user.exempt != body.exempt:
            await a.record(
                "user.exempted" if body.exempt else "user.exemption_lifted",
                subject=f"user/{user_id}",
                key=f"exemption:{user_id}:{now.isoformat()}",
                details={"note": body.note},
                at=now,
            )
            user.exempt = body.exempt
        a.restanding(user_id)
    _, level = a.levels[user_id]
    await standing_changed(request, user_id)
    return Exemption(user_id=user_id, exempt=body.exempt, enforcement_level=level)
