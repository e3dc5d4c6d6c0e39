"""DELIVER_STANDING against a real local receiver: changes arrive in order, signed per
Standard Webhooks, each webhook-id processed once even when deliveries fail and retry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.notify.backend import BackendWebhooks
from activities.notify.contracts import DELIVER_STANDING, DeliverStandingInput
from tests.support.backend import BACKEND_SECRET
from tests.support.standing import new_user_id, outbox, set_standing


def deliverer(deps, url: str | None, http: httpx.AsyncClient | None = None) -> BackendWebhooks:
    return BackendWebhooks(deps.sessions, http or deps.http, url=url, secret=BACKEND_SECRET)


async def deliver(acts: BackendWebhooks, user: str) -> int:
    return await ActivityEnvironment().run(
        acts.deliver_standing, DeliverStandingInput(user_id=user)
    )


async def deliver_retrying(acts: BackendWebhooks, user: str, attempts: int = 10) -> int:
    """What Temporal does with a failing activity: run it again."""
    for _ in range(attempts - 1):
        try:
            return await deliver(acts, user)
        except ApplicationError:
            continue
    return await deliver(acts, user)


async def three_changes(deps) -> str:
    user = new_user_id()
    await set_standing(deps, user, level=2, reason="day07-warning")
    await set_standing(deps, user, level=3, trust=25, reason="day14-suspended")
    await set_standing(deps, user, level=0, trust=32, reason="paid")
    return user


async def test_changes_arrive_in_order_signed_and_are_marked_delivered(deps, backend) -> None:
    receiver, url = backend
    user = await three_changes(deps)
    assert await deliver(deliverer(deps, url), user) == 3
    rows = await outbox(deps, user)
    assert [p["id"] for p in receiver.processed] == [r.webhook_id for r in rows]
    assert [p["type"] for p in receiver.processed] == [
        "standing.level_up",
        "standing.level_up",
        "standing.level_down",
    ]
    assert receiver.processed[1]["data"]["changes"] == ["level_up", "trust_below_threshold"]
    assert receiver.processed[2]["data"]["can_trade"] is True
    assert all(r.delivered_at is not None and r.attempts == 1 for r in rows)
    assert await deliver(deliverer(deps, url), user) == 0  # nothing left to send


async def test_failures_stop_the_queue_and_retries_keep_the_order(deps, backend) -> None:
    receiver, url = backend
    user = await three_changes(deps)
    receiver.fail_next = 2
    acts = deliverer(deps, url)
    with pytest.raises(ApplicationError, match="503"):
        await deliver(acts, user)
    first = (await outbox(deps, user))[0]
    assert receiver.processed == [] and first.attempts == 1 and first.delivered_at is None
    assert await deliver_retrying(acts, user) == 3
    assert [p["id"] for p in receiver.processed] == [r.webhook_id for r in await outbox(deps, user)]
    assert receiver.requests[:3] == [first.webhook_id] * 3  # nothing overtook the failed one


async def test_a_delivery_whose_answer_was_lost_is_repeated_with_the_same_id(deps, backend) -> None:
    receiver, url = backend
    user = await three_changes(deps)
    lost = {"left": 1}

    async def lose_one_answer(response: httpx.Response) -> None:
        if lost["left"]:
            lost["left"] -= 1
            raise httpx.ReadError("connection reset", request=response.request)

    async with httpx.AsyncClient(event_hooks={"response": [lose_one_answer]}) as http:
        assert await deliver_retrying(deliverer(deps, url, http), user) == 3
    first_id = (await outbox(deps, user))[0].webhook_id
    assert receiver.requests.count(first_id) == 2  # sent again after the lost answer ...
    assert [p["id"] for p in receiver.processed].count(first_id) == 1  # ... and dropped
    assert len(receiver.processed) == 3


async def test_two_deliveries_for_one_user_do_not_interleave(deps, backend) -> None:
    receiver, url = backend
    receiver.delay = 0.05
    user = await three_changes(deps)
    sent = await asyncio.gather(*(deliver(deliverer(deps, url), user) for _ in range(2)))
    assert sorted(sent) == [0, 3]
    assert receiver.requests == [r.webhook_id for r in await outbox(deps, user)]


async def test_without_a_backend_url_nothing_is_sent(deps) -> None:
    user = await three_changes(deps)
    assert await deliver(deliverer(deps, None), user) == 0
    assert all(r.delivered_at is None for r in await outbox(deps, user))
    with pytest.raises(ValueError, match="BACKEND_WEBHOOK_SECRET"):
        BackendWebhooks(deps.sessions, deps.http, url="http://backend", secret=None)


@workflow.defn(sandboxed=False)
class DeliverOnce:
    @workflow.run
    async def run(self, user_id: str) -> int:
        return await workflow.execute_activity(
            DELIVER_STANDING,
            DeliverStandingInput(user_id=user_id),
            result_type=int,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=10)),
        )


async def test_temporal_retries_until_the_backend_took_everything(
    deps, backend, time_skipping_env, task_queue
) -> None:
    receiver, url = backend
    user = await three_changes(deps)
    receiver.fail_next = 4
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[DeliverOnce],
        activities=[deliverer(deps, url).deliver_standing],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        sent = await time_skipping_env.client.execute_workflow(
            DeliverOnce.run, user, id=f"deliver-{uuid.uuid4().hex}", task_queue=task_queue
        )
    assert sent == 3
    ids = [r.webhook_id for r in await outbox(deps, user)]
    assert [p["id"] for p in receiver.processed] == ids
    assert len(receiver.requests) == 3 + 4
