"""POST /v1/admin/users/{user_id}/block and /unblock: an admin stops (or lets) a user trade."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.audited import acting
from api.auth import require
from api.errors import ApiError
from api.signals import standing_changed
from db import standing
from domain.types import Identifier, Text

router = APIRouter(tags=["admin"], dependencies=[Depends(require("admin"))])


class BlockNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Field(default="", max_length=2000)


class BlockState(BaseModel):
    user_id: str
    blocked: bool
    # False when the user already was in that state (nothing written, nothing audited).
    changed: bool


async def _set_blocked(
    request: Request, user_id: str, body: BlockNote | None, *, blocked: bool
) -> BlockState:
    try:
        async with acting(request).audited(user_id) as a:
            changed = await standing.set_blocked(
                a, user_id, blocked=blocked, reason=body.note if body else "", at=datetime.now(UTC)
            )
    except LookupError:
        raise ApiError(404, f"no user {user_id}") from None
    if changed:
        await standing_changed(request, user_id)
    return BlockState(user_id=user_id, blocked=blocked, changed=changed)


@router.post("/v1/admin/users/{user_id}/block")
async def block_user(
    user_id: Identifier, request: Request, body: BlockNote | None = None
) -> BlockState:
    return await _set_blocked(request, user_id, body, blocked=True)


@router.post("/v1/admin/users/{user_id}/unblock")
async def unblock_user(
    user_id: Identifier, request: Request, body: BlockNote | None = None
) -> BlockState:
    return await _set_blocked(request, user_id, body, blocked=False)
