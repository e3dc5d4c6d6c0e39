"""Ledger calls that never stall unseen (patch stall_and_alert).

A ledger activity that cannot land within its schedule-to-close bound (the database, or the FX
source, is down for longer than a retry can hide) marks the share `stalled` in its ShareStatus
search attribute (`ShareStatus = "stalled"` lists them all), alerts ops, and waits for an
admin's word (the `retry_stalled` signal) before it tries again from the start.
A local activity (patch lean) ends the same way: after the attempts that fit in its bound
(workflows/calls.bounded), with an ActivityError whose cause is its last failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from workflows import options
    from workflows import search_attributes as sa
    from workflows.calls import In, Out, execute
    from workflows.share_state import ShareState

STALLED = "stalled"


class Stalls:
    def __init__(self, state: ShareState, publish: Callable[[], None]) -> None:
        self._s = state
        self._publish = publish
        self._retries = 0
        self._stalls = 0

    def retry(self) -> None:
        """The admin's word: try again what stalled."""
        self._retries += 1

    async def call(
        self,
        contract: c.Contract[In, Out],
        arg: In,
        *,
        summary: str,
        start_to_close: timedelta = options.LEDGER_TIMEOUT,
        give_up: timedelta = options.LEDGER_GIVE_UP,
        retry_policy: RetryPolicy = options.LEDGER_RETRY,
        heartbeat: timedelta | None = None,
        stall_on: Callable[[ActivityError], bool] = lambda _: True,
    ) -> Out:
        """Runs the activity; when it gives up (and `stall_on` says so), stalls until retried."""
        while True:
            try:
                return await execute(
                    contract,
                    arg,
                    summary=summary,
                    start_to_close=start_to_close,
                    schedule_to_close=give_up,
                    heartbeat=heartbeat,
                    retry_policy=retry_policy,
                    lean=self._s.patches.lean,
                )
            except ActivityError as err:
                if isinstance(err.cause, CancelledError) and self._s.patches.cancel_is_not_a_stall:
                    raise asyncio.CancelledError from err  # ops cancelled the share: see run()
                if not stall_on(err):
                    raise
                await self._stall(summary, err)

    async def _stall(self, what: str, err: ActivityError) -> None:
        s = self._s
        self._stalls += 1
        s.stalled = True
        # The search attribute first: it needs no database, so ops see the share even when
        # the alert below cannot be written yet.
        workflow.upsert_search_attributes([sa.SHARE_STATUS.value_set(STALLED)])
        cause = str(err.cause) if err.cause is not None else str(err)
        workflow.logger.warning("share %s stalled at %r: %s", s.event.event_id, what, cause)
        await execute(
            c.ACTIVITIES.alert_ops,
            c.OpsAlert(
                subject=s.event.event_id,
                at=workflow.now(),
                reason=f"stalled at {what}: {cause}"[:500],
                key=f"{s.event.event_id}:stalled:{self._stalls}",
            ),
            summary="alert ops: share stalled",
            start_to_close=options.LEDGER_TIMEOUT,
            retry_policy=options.LEDGER_RETRY,
            lean=s.patches.lean,
        )
        seen = self._retries
        await workflow.wait_condition(
            lambda: self._retries > seen, timeout_summary="stalled: waiting for an admin's retry"
        )
        s.stalled = False
        self._publish()
