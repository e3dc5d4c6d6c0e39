"""Screening a user before their share is verified: the full risk assessment of a profit claim."""

from __future__ import annotations

from temporalio import activity

from activities import contracts as c
from domain.models import ProfitEvent, RiskSummary
from domain.risk.decision import RiskRequest
from services.risk.service import RiskService


class RiskActivities:
    def __init__(self, service: RiskService) -> None:
        self._service = service

    @activity.defn(name=c.SCREEN_USER)
    async def screen_user(self, event: ProfitEvent) -> RiskSummary:
        """One decision per event, however often Temporal runs this (keyed by the event id).

        Only rule names travel back to the workflow; the details (other users, amounts
        they owe) stay encrypted in risk_decisions.
        """
        decision = await self._service.assess(
            RiskRequest(
                user_id=event.user_id,
                action="profit_claim",
                ip=str(event.ip) if event.ip is not None else None,
                device_fingerprint=event.device_fingerprint,
                api_key_fingerprint=event.api_key_fingerprint,
                claimed_profit=event.reported_profit,
                event_id=event.event_id,
                email=event.email,
            ),
            key=f"screen:{event.event_id}",
        )
        return RiskSummary(
            score=decision.score,
            decision=decision.decision,
            reasons=[reason.rule for reason in decision.reasons],
        )
