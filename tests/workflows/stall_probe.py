"""A workflow that makes one local ledger call through Stalls, as a lean share makes it, with
a bound short enough for a test in real time (tests/workflows/test_stalls.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.models import ProfitEvent
    from workflows.patches import Patches
    from workflows.share_state import ShareState
    from workflows.stalls import Stalls

LOCAL_GIVE_UP = timedelta(seconds=3)


@workflow.defn(name="LocalLedgerStallProbe")
class LocalLedgerStallProbe:
    """One local ledger call through Stalls, as a lean share makes it, with a short bound."""

    @workflow.init
    def __init__(self, event: ProfitEvent) -> None:
        self._s = ShareState(event=event, patches=Patches.current())
        self._stalls = Stalls(self._s, lambda: None)

    @workflow.run
    async def run(self, event: ProfitEvent) -> bool:
        return await self._stalls.call(
            c.ACTIVITIES.escalate,
            c.EscalateInput(
                event_id=event.event_id,
                user_id=event.user_id,
                level=1,
                stage="d1",
                at=event.session_end,
            ),
            summary="escalate (probe)",
            give_up=LOCAL_GIVE_UP,
        )

    @workflow.signal
    def retry_stalled(self) -> None:
        self._stalls.retry()
