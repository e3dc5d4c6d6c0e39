"""StandingDeliveryWorkflow: one per user, `standing/{user_id}`; tells the backend every
standing change within seconds, in order, whether or not the user has an open share.

Whoever queues a change in the outbox (an admin's block or unblock, an exemption) signals
`changed` with signal-with-start (workflows/share_client.py). Deliveries run one at a time;
each drains the user's outbox in order (DELIVER_STANDING), so signals that come while one runs
fold into the next. Idle for a day, the workflow completes; the next change starts it again.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows import options
    from workflows.calls import deliver_standing

IDLE = timedelta(days=1)


@workflow.defn(name="StandingDeliveryWorkflow")
class StandingDeliveryWorkflow:
    def __init__(self) -> None:
        self._pending = 0

    @workflow.run
    async def run(self, user_id: str) -> None:
        while True:
            try:
                await workflow.wait_condition(
                    lambda: self._pending > 0, timeout=IDLE, timeout_summary="idle"
                )
            except TimeoutError:
                return
            self._pending = 0
            try:
                await deliver_standing(user_id, give_up=options.STANDING_GIVE_UP)
            except ActivityError as err:
                # The outbox keeps what was not delivered for the next change.
                workflow.logger.warning("standing delivery gave up for %s: %s", user_id, err)
            # A new run with a short history; never with a change pending (it would be lost).
            if workflow.info().is_continue_as_new_suggested() and self._pending == 0:
                workflow.continue_as_new(user_id)

    @workflow.signal
    def changed(self) -> None:
        self._pending += 1
