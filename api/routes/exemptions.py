"""POST /v1/admin/users/{user_id}/exemption: shares still recorded, no restrictions.

As billing systems tag accounts (staff, partners, market makers): the ladder still runs
and is audited, but the user's enforcement level stays at none while exempt.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auth import require
from api.errors import ApiError
from api.signals import standing_changed
from db import audit, standing
from db.models import User

router = APIRouter(tags=["admin"])


class ExemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exempt: bool
    note: str = Field(default="", max_length=2000)


class Exemption(BaseModel):
    user_id: str
    exempt: bool
    enforcement_level: int


@router.post("/v1/admin/users/{user_id}/exemption", response_model=Exemption)
async def set_exemption(
    user_id: str, body: ExemptionIn, request: Request, role: str = Depends(require("admin"))
) -> Exemption:
    deps = request.app.state.deps
    now = datetime.now(UTC)
    async with deps.sessions.begin() as s:
        await audit.lock_chain(s)  # chain first, then rows: one lock order
        user = await s.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            raise ApiError(404, f"no user {user_id}")
        if user.exempt != body.exempt:
            user.exempt = body.exempt
            await audit.append(
                s,
                deps.cipher,
                at=now,
                actor=role,
                action="user.exempted" if body.exempt else "user.exemption_lifted",
                subject=f"user/{user_id}",
                key=f"exemption:{user_id}:{now.isoformat()}",
                details={"note": body.note},
            )
        _, level = await standing.recompute(s, user_id)
    await standing_changed(request, user_id)
    return Exemption(user_id=user_id, exempt=body.exempt, enforcement_level=level)
