"""Shared devices: GET /v1/admin/risk/devices (ops) lists devices several accounts use;
POST .../{device}/dismissals (admin) marks one user's sharing a false positive, audited."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.audited import AppActing
from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db.risk import devices
from domain.types import Identifier, Text

router = APIRouter(tags=["risk"])


class SharedDevices(BaseModel):
    devices: list[devices.SharedDevice]


class DismissalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: Identifier
    note: Text = Field(default="", max_length=2000)


class Dismissed(BaseModel):
    device: str
    user_id: str
    dismissed: bool


@router.get(
    "/v1/admin/risk/devices",
    dependencies=[Depends(require("ops"))],
)
async def list_devices(
    deps: AppDeps,
    min_accounts: int = Query(2, ge=2, le=1000),
    limit: int = Query(100, ge=1, le=500),
) -> SharedDevices:
    async with deps.sessions() as s:
        found = await devices.suspicious(s, min_accounts=min_accounts, limit=limit)
    return SharedDevices(devices=found)


@router.post(
    "/v1/admin/risk/devices/{device}/dismissals",
    status_code=201,
    responses={200: {"model": Dismissed, "description": "dismissed before"}},
    dependencies=[Depends(require("admin"))],
)
async def dismiss(
    body: DismissalIn,
    act: AppActing,
    response: Response,
    device: str = Path(max_length=256, pattern=r"^[A-Za-z0-9_.:\-]+$"),
) -> Dismissed:
    user_id = body.user_id
    try:
        async with act.audited(user_id) as a:
            added = await devices.dismiss(
                a, user_id=user_id, device=device, note=body.note, at=datetime.now(UTC)
            )
    except LookupError as err:
        raise ApiError(404, str(err)) from err
    if not added:
        response.status_code = 200
    return Dismissed(device=device, user_id=body.user_id, dismissed=True)
