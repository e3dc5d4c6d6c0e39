"""POST /v1/admin/users/{user_id}/exemption: shares still recorded, no restrictions.

As billing systems tag accounts (staff, partners, market makers): the ladder still runs
and is audited, but the user's enforcement level stays at none while exempt.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.audited import AppActing
from api.auth import require
from api.errors import ApiError
from api.signals import standing_changed
from domain.types import Identifier, Text

router = APIRouter(tags=["admin"])


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exempt: bool
    note: Text = Field(default="", max_length=2000)


class Exemption(BaseModel):
    user_id: str
    exempt: bool
    enforcement_level: int


@router.post("/v1/admin/users/{user_id}/exemption", dependencies=[Depends(require("admin"))])
async def set_exemption(
    user_id: Identifier,
    body: ExemptionIn,
    request: Request,
    act: AppActing,
) -> Exemption:
    now = act.now
    async with act.audited(user_id) as a:
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
