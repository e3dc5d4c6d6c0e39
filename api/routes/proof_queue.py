"""The admins' queue of payment proofs (GET /v1/admin/payment-proofs?status=pending) and
flagging a pending one for a closer look."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from api.audited import AppActing
from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db import proof_review
from domain.types import Text

router = APIRouter(tags=["payment proofs"])


class ProofQueue(BaseModel):
    proofs: list[proof_review.QueuedProof]


class FlagIn(BaseModel):
    note: Text = Field(default="", max_length=2000)


class Flagged(BaseModel):
    proof_id: str
    flagged_at: datetime


@router.get(
    "/v1/admin/payment-proofs",
    dependencies=[Depends(require("ops"))],
)
async def list_proofs(
    deps: AppDeps,
    status: Literal["pending", "approved", "rejected", "new_proof_requested"] = "pending",
    limit: int = Query(100, ge=1, le=500),
) -> ProofQueue:
    async with deps.sessions() as s:
        found = await proof_review.queue(s, deps.cipher, status=status, limit=limit)
    return ProofQueue(proofs=found)


@router.post(
    "/v1/admin/payment-proofs/{proof_id}/flag",
    dependencies=[Depends(require("ops"))],
)
async def flag_proof(
    body: FlagIn,
    act: AppActing,
    proof_id: str = Path(max_length=40, pattern=r"^[A-Za-z0-9_]+$"),
) -> Flagged:
    now = act.now
    async with act.deps.sessions() as s:
        user_id = await proof_review.user_of(s, proof_id)
    if user_id is None:
        raise ApiError(404, f"no payment proof {proof_id}")
    try:
        async with act.audited(user_id) as a:
            proof = await proof_review.flag(a, proof_id, note=body.note, at=now)
    except proof_review.NotPending as err:
        raise ApiError(409, f"the proof was already decided: {err}") from err
    if proof is None:
        raise ApiError(404, f"no payment proof {proof_id}")
    return Flagged(proof_id=proof_id, flagged_at=now)


@router.get(
    "/v1/admin/payment-proofs/{proof_id}/screenshot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
    dependencies=[Depends(require("ops"))],
)
async def get_screenshot(
    deps: AppDeps, proof_id: str = Path(max_length=40, pattern=r"^[A-Za-z0-9_]+$")
) -> Response:
    """The screenshot as stored: re-encoded, without its metadata."""
    async with deps.sessions() as s:
        found = await proof_review.screenshot(s, deps.cipher, proof_id)
    if found is None:
        raise ApiError(404, f"no screenshot for payment proof {proof_id}")
    data, kind = found
    # no-store: a screenshot is personal data, no cache should keep a copy.
    headers = {"cache-control": "no-store", "content-disposition": "inline"}
    return Response(data, media_type=f"image/{kind}", headers=headers)
