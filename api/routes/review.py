"""POST /v1/admin/shares/{event_id}/review: an admin's decision on a share held for review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from activities.exchange.inventory import resolve_review
from api.audited import AppActing
from api.auth import require, token_actor
from api.deps import app_deps
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from db.audit import details_of
from db.audited import Audit
from db.models import AuditEntry, ProfitEventRow
from domain.models import ProfitEvent, ReviewDecision
from domain.types import Identifier

router = APIRouter(tags=["review"])


class ReviewAccepted(BaseModel):
    event_id: str
    decision: Literal["approve", "reject"]


@router.post(
    "/v1/admin/shares/{event_id}/review",
    status_code=202,
    dependencies=[Depends(require("admin"))],
)
async def review_share(
    event_id: Identifier, decision: ReviewDecision, request: Request, act: AppActing
) -> ReviewAccepted:
    async with act.share(event_id) as (a, share):
        if share.status != "under_review":
            raise ApiError(409, f"the share is {share.status}, not under_review")
        # The workflow keeps only the first decision; every request is audited once by key.
        first = await a.record(
            "review.requested",
            subject=event_id,
            key=f"review:{event_id}:requested",
            details=decision.model_dump(mode="json"),
        )
        if not first:
            await _refuse_another(a, event_id, decision)
    # Committed, then told: no lock is held across the call (a retry tells it again).
    async with closed_is_409():
        await (await share_client(request)).review(event_id, decision)
    # The account's inventory follows the same decision (once: a held session settles once),
    # so the account's later sessions, waiting on this one, can go ahead.
    await _settle_inventory(request, event_id, decision)
    return ReviewAccepted(event_id=event_id, decision=decision.decision)


async def _refuse_another(a: Audit, event_id: str, decision: ReviewDecision) -> None:
    """A decision was recorded before and the workflow will keep it: the same one again is a
    retry; another (a second admin, a quick change of mind) is a conflict, not a 202 whose
    inventory would settle its own way."""
    entry = await a.session.scalar(
        select(AuditEntry).where(AuditEntry.idempotency_key == f"review:{event_id}:requested")
    )
    recorded = await details_of(a.session, a.cipher, entry) if entry is not None else {}
    if (recorded.get("decision"), recorded.get("verified_profit")) != (
        decision.decision,
        decision.model_dump(mode="json")["verified_profit"],
    ):
        raise ApiError(409, f"the share was already reviewed: {recorded.get('decision')}")


async def _settle_inventory(request: Request, event_id: str, decision: ReviewDecision) -> None:
    deps = app_deps(request)
    async with deps.sessions() as s:
        row = await s.get(ProfitEventRow, event_id)
    symbols: list[str] = []
    if row is not None:
        symbols = ProfitEvent.model_validate_json(deps.cipher.decrypt(row.body_enc)).symbols
    await resolve_review(
        deps.sessions,
        deps.auditor,
        event_id=event_id,
        approve=decision.decision == "approve",
        actor=token_actor(request),
        at=datetime.now(UTC),
        symbols=symbols,
    )
