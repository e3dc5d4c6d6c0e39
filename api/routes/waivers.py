"""POST /v1/admin/shares/{event_id}/waive: an admin forgives a share or writes it off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.auth import require
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from db import audit
from db.models import Share
from domain.models import Waiver

router = APIRouter(tags=["admin"])


class WaiverAccepted(BaseModel):
    event_id: str
    kind: Literal["waive", "write_off"]


@router.post("/v1/admin/shares/{event_id}/waive", status_code=202, response_model=WaiverAccepted)
async def waive_share(
    event_id: str, body: Waiver, request: Request, role: str = Depends(require("admin"))
) -> WaiverAccepted:
    deps = request.app.state.deps
    now = datetime.now(UTC)
    async with deps.sessions.begin() as s:
        await audit.lock_chain(s)  # chain first, then rows: one lock order
        share = await s.scalar(select(Share).where(Share.event_id == event_id).with_for_update())
        if share is None:
            raise ApiError(404, f"no share for event {event_id}")
        if share.status not in ("open", "disputed"):
            raise ApiError(409, f"the share is {share.status}: nothing left to waive")
        await audit.append(
            s,
            deps.cipher,
            at=now,
            actor=role,
            action=f"{body.kind}.requested",
            subject=event_id,
            key=f"waive:{event_id}:requested",
            details={"kind": body.kind, "note": body.note},
        )
        user_id = share.user_id
    # Committed, then told; a retry re-sends it (the workflow keeps one waiver).
    async with closed_is_409():
        await (await share_client(request)).waive(event_id, body, user_id=user_id)
    return WaiverAccepted(event_id=event_id, kind=body.kind)
