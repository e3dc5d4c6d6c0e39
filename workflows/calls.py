"""Typed activity calls: a workflow passes an activity's contract (activities/contracts.py)
and its input, and gets its output's type back, so mypy checks both ends of every call."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Protocol, TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError, FailureError, RetryState

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
        local: workflow.LocalActivityConfig = {
            "start_to_close_timeout": start_to_close,
            "schedule_to_close_timeout": schedule_to_close,
            "retry_policy": bounded(retry_policy, schedule_to_close),
            # Longer backoffs wait on a workflow timer: a database down for minutes must
            # not hold the workflow task (and its worker slot) open meanwhile.
            "local_retry_threshold": options.LOCAL_RETRY_THRESHOLD,
            "summary": summary,
        }
        return await _local(contract, arg, local)
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


async def _local(contract: Contract[In, Out], arg: In, config: workflow.LocalActivityConfig) -> Out:
    try:
        result = await workflow.execute_local_activity(
            contract.name, arg, result_type=contract.output, **config
        )
    except (ActivityError, CancelledError):
        raise
    except FailureError as err:
        # A local activity that gave up can surface as its bare cause; its callers (the
        # stalls, the exchange's refusals) read an ActivityError with the cause inside, as an
        # ordinary activity gives them.
        raise ActivityError(
            f"local activity {contract.name} failed",
            scheduled_event_id=0,
            started_event_id=0,
            identity="",
            activity_type=contract.name,
            activity_id="",
            retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
        ) from err
    return cast(Out, result)


def bounded(policy: RetryPolicy, give_up: timedelta | None) -> RetryPolicy:
    """`policy` with as many attempts as its backoffs fit in `give_up`. A local activity's
    schedule-to-close is kept on the worker's clock and, once its retries wait on workflow
    timers, does not end them: the count of attempts does, the same on replay, in a test
    whose clock skips, and in production (where the bound is then about `give_up`)."""
    if give_up is None:
        return policy
    interval = policy.initial_interval
    ceiling = policy.maximum_interval or interval * 100
    waited, attempts = timedelta(0), 1
    while waited + interval <= give_up:
        waited += interval
        attempts += 1
        interval = min(interval * policy.backoff_coefficient, ceiling)
    if policy.maximum_attempts:
        attempts = min(attempts, policy.maximum_attempts)
    return dataclasses.replace(policy, maximum_attempts=attempts)


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
