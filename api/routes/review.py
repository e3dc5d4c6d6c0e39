"""POST /v1/admin/shares/{event_id}/review: an admin's decision on a share held for review."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.audited import share_audited
from api.auth import require, token_actor
from api.errors import ApiError
from db.shares import workflow_id
from domain.models import ReviewDecision
from workflows.share import ShareWorkflow

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
    deps = request.app.state.deps
    async with share_audited(deps, event_id, token_actor(request)) as (a, share):
        if share.status != "under_review":
            raise ApiError(409, f"the share is {share.status}, not under_review")
        # The workflow keeps only the first decision, so only the first one is audited (and
        # signalled); the signal is sent inside the transaction: no entry without a signal.
        if await a.record(
            "review.requested",
            subject=event_id,
            key=f"review:{event_id}:requested",
            details=decision.model_dump(mode="json"),
        ):
            client = await request.app.state.temporal()
            handle = client.get_workflow_handle(workflow_id(event_id))
            await handle.signal(ShareWorkflow.review, decision)
    return ReviewAccepted(event_id=event_id, decision=decision.decision)
