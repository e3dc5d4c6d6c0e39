"""The steps before a share's verification in one activity (patch lean): the share opened, the
user screened, the share `verifying`. Each step was an activity of its own with its own round
trip; together they are one local activity. Opening and `screening` share one transaction;
each step keeps its own audit entry and idempotency key, so a retry redoes nothing twice."""

from __future__ import annotations

from temporalio import activity

from activities import contracts as c
from activities.ledger import LedgerActivities
from activities.risk.screening import RiskActivities
from domain.models import RiskSummary, ShareStatus


class OpeningSteps:
    def __init__(self, ledger: LedgerActivities, risk: RiskActivities) -> None:
        self._ledger = ledger
        self._risk = risk

    @activity.defn(name=c.OPEN_AND_SCREEN)
    async def open_and_screen(self, cmd: c.OpenAndScreenInput) -> RiskSummary:
        event = cmd.event
        await self._ledger.open_screening(event, self._status(cmd, "screening"))
        risk = await self._risk.screen_user(event)
        await self._ledger.set_status(self._status(cmd, "verifying"))
        return risk

    @staticmethod
    def _status(cmd: c.OpenAndScreenInput, status: ShareStatus) -> c.SetStatusInput:
        return c.SetStatusInput(
            event_id=cmd.event.event_id, user_id=cmd.event.user_id, status=status, at=cmd.at
        )
