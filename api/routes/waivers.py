"""POST /v1/admin/shares/{event_id}/waive: an admin forgives a share or writes it off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.audited import share_audited
from api.auth import require, token_actor
from api.deps import AppDeps
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from domain.models import Waiver

router = APIRouter(tags=["admin"])


class WaiverAccepted(BaseModel):
    event_id: str
    kind: Literal["waive", "write_off"]


@router.post(
    "/v1/admin/shares/{event_id}/waive", status_code=202, dependencies=[Depends(require("admin"))]
)
async def waive_share(
    event_id: str,
    body: Waiver,
    request: Request,
    deps: AppDeps,
) -> WaiverAccepted:
    now = datetime.now(UTC)
    actor = token_actor(request)
    async with share_audited(deps, event_id, actor) as (a, share):
        if share.status not in ("open", "disputed"):
            raise ApiError(409, f"the share is {share.status}: nothing left to waive")
        await a.record(
            f"{body.kind}.requested",
            subject=event_id,
            key=f"waive:{event_id}:requested",
            details={"kind": body.kind, "note": body.note},
            at=now,
        )
        user_id = share.user_id
    # Committed, then told; a retry re-sends it (the workflow keeps one waiver).
    async with closed_is_409():
        await (await share_client(request)).waive(event_id, body, user_id=user_id)
    return WaiverAccepted(event_id=event_id, kind=body.kind)
