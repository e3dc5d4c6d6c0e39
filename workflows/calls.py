"""Typed activity calls: a workflow passes an activity's contract (activities/contracts.py)
and its input, and gets its output's type back, so mypy checks both ends of every call."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import Contract
    from activities.notify.contracts import DELIVER, DeliverStandingInput
    from workflows import options

In = TypeVar("In")
Out = TypeVar("Out")


class LedgerCall(Protocol):
    """How the share's parts call a ledger activity (ShareWorkflow._ledger)."""

    async def __call__(self, contract: Contract[In, Out], arg: In, *, summary: str) -> Out: ...


async def execute(
    contract: Contract[In, Out],
    arg: In,
    *,
    summary: str,
    start_to_close: timedelta,
    retry_policy: RetryPolicy,
    schedule_to_close: timedelta | None = None,
    heartbeat: timedelta | None = None,
    lean: bool = False,
) -> Out:
    """`lean` (patch lean): a contract declared local runs as a local activity."""
    if lean and contract.local:
        local = await workflow.execute_local_activity(
            contract.name,
            arg,
            result_type=contract.output,
            start_to_close_timeout=start_to_close,
            schedule_to_close_timeout=schedule_to_close,
            retry_policy=retry_policy,
            # Longer backoffs wait on a workflow timer: a database down for minutes must
            # not hold the workflow task (and its worker slot) open meanwhile.
            local_retry_threshold=options.LOCAL_RETRY_THRESHOLD,
            summary=summary,
        )
        return cast(Out, local)
    result = await workflow.execute_activity(
        contract.name,
        arg,
        result_type=contract.output,
        start_to_close_timeout=start_to_close,
        schedule_to_close_timeout=schedule_to_close,
        heartbeat_timeout=heartbeat,
        retry_policy=retry_policy,
        summary=summary,
    )
    return cast(Out, result)


async def deliver_standing(user_id: str, *, give_up: timedelta) -> None:
    """The user's queued standing changes to the backend, in order (the outbox)."""
    await execute(
        DELIVER,
        DeliverStandingInput(user_id=user_id),
        summary="tell the backend: standing changed",
        start_to_close=options.NOTIFY_TIMEOUT,
        schedule_to_close=give_up,
        retry_policy=options.STANDING_RETRY,
    )
