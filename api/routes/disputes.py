"""Disputes: a user contests a share (the ladder pauses), an admin resolves it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.audited import AppActing
from api.auth import require
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from db.models import Dispute
from domain.models import DisputeOpened, DisputeResolution
from domain.types import Identifier

router = APIRouter(tags=["disputes"])


class DisputeAccepted(BaseModel):
    event_id: str
    status: Literal["disputed"]


class ResolutionAccepted(BaseModel):
    event_id: str
    outcome: Literal["upheld", "adjusted", "cancelled"]


@router.post(
    "/v1/shares/{event_id}/dispute",
    status_code=202,
    dependencies=[Depends(require("backend"))],
)
async def open_dispute(
    event_id: Identifier, body: DisputeOpened, request: Request, act: AppActing
) -> DisputeAccepted:
    deps, now = act.deps, act.now
    listening = await (await share_client(request)).listening(event_id)  # before any lock
    async with act.share(event_id) as (a, share):
        s = a.session
        known = await s.get(Dispute, event_id)
        if known is not None and known.signalled_at is not None:
            raise ApiError(409, "this share was already disputed: a share is disputed once")
        if known is None and share.status != "open":
            raise ApiError(409, f"the share is {share.status}: only an open share is disputed")
        if not listening:
            raise _completed(share.status)
        if known is None:  # else: recorded before, the workflow not yet told (a retry)
            s.add(
                Dispute(
                    event_id=event_id, reason_enc=deps.cipher.encrypt(body.reason), opened_at=now
                )
            )
        await a.record(
            "dispute.requested",
            subject=event_id,
            key=f"dispute:{event_id}:requested",
            details={"reason": body.reason},
            at=now,
        )
    # Committed, then told: no lock is held across the call. If it fails (503), the client's
    # retry finds the dispute recorded but not signalled and tells the workflow then.
    async with closed_is_409():
        await (await share_client(request)).dispute(event_id, body)
    async with deps.sessions.begin() as s:
        dispute = await s.get(Dispute, event_id)
        if dispute is not None and dispute.signalled_at is None:
            dispute.signalled_at = now
    return DisputeAccepted(event_id=event_id, status="disputed")


@router.post(
    "/v1/admin/shares/{event_id}/dispute-resolution",
    status_code=202,
    dependencies=[Depends(require("admin"))],
)
async def resolve_dispute(
    event_id: Identifier,
    body: DisputeResolution,
    request: Request,
    act: AppActing,
) -> ResolutionAccepted:
    deps, now = act.deps, act.now
    listening = await (await share_client(request)).listening(event_id)  # before any lock
    async with act.share(event_id) as (a, share):
        dispute = await a.locked(select(Dispute).where(Dispute.event_id == event_id))
        if dispute is None:
            raise ApiError(404, f"no dispute on share {event_id}")
        if dispute.outcome == body.outcome:
            return ResolutionAccepted(event_id=event_id, outcome=body.outcome)  # a repeat
        if dispute.outcome is not None:
            raise ApiError(409, f"the dispute was already resolved: {dispute.outcome}")
        if not listening:
            raise _completed(share.status)
        dispute.outcome, dispute.resolved_at, dispute.signalled_at = body.outcome, now, now
        dispute.note_enc = deps.cipher.encrypt(body.note) if body.note else None
        await a.record(
            f"dispute.{body.outcome}",
            subject=event_id,
            key=f"dispute:{event_id}:resolved",
            details=body.model_dump(mode="json"),
            at=now,
        )
    async with closed_is_409():
        await (await share_client(request)).resolve_dispute(event_id, body)
    return ResolutionAccepted(event_id=event_id, outcome=body.outcome)


def _completed(status: str) -> ApiError:
    """Only the share's running workflow opens or resolves a dispute. Once it completed (a
    share handed to collections stays owed), nothing is written: the route used to commit
    the dispute, answer 409, and then take the admin's retry for a repeat."""
    return ApiError(
        409,
        f"the share is {status} and its workflow has completed: disputes are no longer taken "
        "(an admin may still waive or write it off)",
    )
