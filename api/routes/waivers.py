"""POST /v1/admin/shares/{event_id}/waive: an admin forgives a share or writes it off."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.audited import AppActing
from api.auth import require
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from domain.models import OWED_STATUSES, Waiver
from domain.types import Identifier

router = APIRouter(tags=["admin"])


class WaiverAccepted(BaseModel):
    event_id: str
    kind: Literal["waive", "write_off"]


@router.post(
    "/v1/admin/shares/{event_id}/waive", status_code=202, dependencies=[Depends(require("admin"))]
)
async def waive_share(
    event_id: Identifier,
    body: Waiver,
    request: Request,
    act: AppActing,
) -> WaiverAccepted:
    async with act.share(event_id) as (a, share):
        if share.status not in OWED_STATUSES:
            raise ApiError(409, f"the share is {share.status}: nothing left to waive")
        await a.record(
            f"{body.kind}.requested",
            subject=event_id,
            key=f"waive:{event_id}:requested",
            details={"kind": body.kind, "note": body.note},
            at=act.now,
        )
        user_id = share.user_id
    # Committed, then told; a retry re-sends it (the workflow keeps one waiver).
    async with closed_is_409():
        await (await share_client(request)).waive(event_id, body, user_id=user_id)
    return WaiverAccepted(event_id=event_id, kind=body.kind)
