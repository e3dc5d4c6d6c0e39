"""Risk decisions: POST /v1/risk/assess (backend), GET /v1/risk/decisions/{id} (backend, ops:
explaining one later) and GET /v1/admin/risk/alerts (ops: alerts and blocks, newest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db.risk import decisions
from domain.risk.decision import RiskDecision, RiskRequest
from domain.risk.facts import Action

router = APIRouter(tags=["risk"])


class ReasonOut(BaseModel):
    rule: str
    points: int
    detail: str


class RiskAssessment(BaseModel):
    score: int
    decision: Literal["allow", "alert", "block"]
    reasons: list[ReasonOut]
    linked_users: list[str]
    # Additions to the contract: where the decision is kept, and whether it blocked the user.
    decision_id: int
    at: datetime
    auto_suspended: bool

    @classmethod
    def of(cls, decision: RiskDecision, **more: Any) -> Self:
        return cls(
            score=decision.score,
            decision=decision.decision,
            reasons=[
                ReasonOut(rule=r.rule, points=r.points, detail=r.detail) for r in decision.reasons
            ],
            linked_users=decision.linked_users,
            decision_id=decision.decision_id,
            at=decision.at,
            auto_suspended=decision.auto_suspend,
            **more,
        )


class StoredDecision(RiskAssessment):
    user_id: str
    action: Action
    settings_version: int

    @classmethod
    def of(cls, decision: RiskDecision, **more: Any) -> Self:
        return super().of(
            decision,
            user_id=decision.user_id,
            action=decision.action,
            settings_version=decision.settings_version,
            **more,
        )


class RiskAlerts(BaseModel):
    alerts: list[StoredDecision]
    # Pass as `before` for the next (older) page; null on the last page.
    next_before: int | None


@router.post(
    "/v1/risk/assess",
    dependencies=[Depends(require("backend"))],
)
async def assess_risk(body: RiskRequest, request: Request) -> RiskAssessment:
    decision = await request.app.state.risk.assess(body)
    request.app.state.metrics.risk_decided(body.action, decision.decision)
    return RiskAssessment.of(decision)


@router.get(
    "/v1/risk/decisions/{decision_id}",
    dependencies=[Depends(require("backend", "ops"))],
)
async def get_decision(
    deps: AppDeps, decision_id: int = Path(ge=1, le=2**63 - 1)
) -> StoredDecision:
    async with deps.sessions() as s:
        decision = await decisions.get(s, deps.cipher, decision_id)
    if decision is None:
        raise ApiError(404, f"no risk decision {decision_id}")
    return StoredDecision.of(decision)


@router.get(
    "/v1/admin/risk/alerts",
    dependencies=[Depends(require("ops"))],
)
async def list_alerts(
    deps: AppDeps,
    limit: int = Query(50, ge=1, le=500),
    before: int | None = Query(
        None, ge=1, le=2**63 - 1, description="next_before of the previous page"
    ),
) -> RiskAlerts:
    async with deps.sessions() as s:
        page = await decisions.alerts(s, deps.cipher, limit=limit, before=before)
    return RiskAlerts(
        alerts=[StoredDecision.of(decision) for decision in page],
        next_before=page[-1].decision_id if len(page) == limit else None,
    )
