"""The review queue: shares held for an admin, with their reasons and each P&L method's
figure; approve (optionally with a corrected profit), reject, or reject as confirmed fraud."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from api.audited import acting
from api.console.render import act, page
from api.console.session import operator, posted
from api.routes.review import review_share
from db.models import Share
from db.shares import amounts
from domain.models import ReviewDecision

router = APIRouter()
PAGE_SIZE = 50


@router.get("/admin/review")
async def queue(request: Request) -> Response:
    who = await operator(request)
    deps = request.app.state.deps
    async with deps.sessions() as s:
        total = await s.scalar(select(func.count()).where(Share.status == "under_review"))
        rows = list(
            await s.scalars(
                select(Share)
                .where(Share.status == "under_review")
                .order_by(Share.created_at)
                .limit(PAGE_SIZE)
            )
        )
    held = [_held(row, deps.cipher) for row in rows]
    return page(request, who, "review.html", held=held, total=total or 0)


def _held(share: Share, cipher) -> dict:

    verification = cipher.decrypt_json(share.verification_enc) if share.verification_enc else {}
    money = amounts(share, cipher)
    return {
        "event_id": share.event_id,
        "user_id": share.user_id,
        "currency": share.currency,
        "reported": money["reported_profit"],
        "verified": money["verified_profit"],
        "reasons": json.loads(share.review_reasons) if share.review_reasons else [],
        "methods": (verification or {}).get("methods") or {},
        "checks": (verification or {}).get("checks") or {},
        "fills": (verification or {}).get("fills"),
        "since": share.updated_at,
    }


@router.post("/admin/review/{event_id}")
async def decide(event_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    decision = form.get("decision", "")

    async def run() -> None:
        body = ReviewDecision(
            decision="reject" if decision == "fraud" else decision,  # type: ignore[arg-type]
            verified_profit=form.get("verified_profit") or None,
            note=form.get("note", ""),
            confirmed_fraud=decision == "fraud",
        )
        await review_share(event_id, body, request, acting(request))

    words = {"approve": "approved", "reject": "rejected", "fraud": "rejected as fraud"}
    return await act(request, "/admin/review", run, f"{event_id}: {words.get(decision, '')}")
