"""POST /v1/admin/shares/{event_id}/review: an admin's decision on a share held for review."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.auth import require
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from db.models import Share
from domain.models import ReviewDecision

router = APIRouter(tags=["review"])


class ReviewAccepted(BaseModel):
    event_id: str
    decision: Literal["approve", "reject"]


@router.post(
    "/v1/admin/shares/{event_id}/review",
    status_code=202,
    response_model=ReviewAccepted,
    dependencies=[Depends(require("admin"))],
)
async def review_share(event_id: str, decision: ReviewDecision, request: Request) -> ReviewAccepted:
    async with request.app.state.deps.sessions() as s:
        share = await s.get(Share, event_id)
    if share is None:
        raise ApiError(404, f"no share for event {event_id}")
    if share.status != "under_review":
        raise ApiError(409, f"the share is {share.status}, not under_review")
    # The workflow keeps only the first decision; a second admin's signal is ignored there.
    async with closed_is_409():
        await (await share_client(request)).review(event_id, decision)
    return ReviewAccepted(event_id=event_id, decision=decision.decision)
