"""Ops find shares in the Temporal UI by search attribute: on the dev server (real visibility),
shares in different states are listed by each attribute, exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import activity
from temporalio.worker import Worker

from activities import contracts as c
from api.app import create_app
from db.models import User
from domain.models import PaymentSignal
from tests.support.api import BACKEND, in_process
from tests.support.payments import record_payment
from tests.support.scenario import eventually, profitable_session
from workers.worker import activities_for
from workflows.reports import ReportWorkflow
from workflows.share import ShareWorkflow
from workflows.share_types import SHARE_WORKFLOWS


class BackdatedRecording:
    """The real record_share, with day 0 moved into the past for chosen events: the ladder's
    stages up to today then fire at once, as after 15 days of waiting."""

    def __init__(self, real, ages: dict[str, timedelta]) -> None:
        self._real, self.ages = real, ages

    @activity.defn(name=c.RECORD_SHARE)
    async def record_share(self, cmd: c.RecordShareInput):
        age = self.ages.get(cmd.event.event_id, timedelta(0))
        return await self._real(cmd.model_copy(update={"at": cmd.at - age}))


@pytest.fixture
async def shares_api(dev_server, deps, settings, emulator_url, task_queue):
    cfg = settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue})
    real = activities_for(deps, cfg)
    backdated = BackdatedRecording(next(a for a in real if a.__name__ == "record_share"), {})
    async with (
        Worker(
            dev_server.client,
            task_queue=task_queue,
            workflows=[*SHARE_WORKFLOWS, ReportWorkflow],
            activities=[a for a in real if a.__name__ != "record_share"] + [backdated.record_share],
        ),
        in_process(create_app(cfg, deps=deps, temporal=dev_server.client)) as api,
    ):
        yield api, backdated


async def test_each_search_attribute_finds_exactly_its_shares(
    shares_api, dev_server, deps, emulator_url, task_queue
):
    api, backdated = shares_api
    client = dev_server.client
    run = uuid.uuid4().hex[:8]
    alice, bob, mallory, on_vpn = (f"u_{name}_{run}" for name in ("a", "b", "m", "v"))

    async def submit(user: str, *, days_ago: int = 0, trust: int | None = None, block=False, **ev):
        event = await profitable_session(deps, emulator_url, user_id=user, **ev)
        backdated.ages[event.event_id] = timedelta(days=days_ago)
        async with deps.sessions.begin() as s:
            row = await s.get(User, user)
            row.blocked, row.trust_score = block, trust if trust is not None else row.trust_score
        response = await api.post(
            "/v1/profit-events", json=event.model_dump(mode="json"), headers=BACKEND
        )
        assert response.status_code in (200, 202), response.text
        sessions[response.json()["workflow_id"]] = event.session_id
        return response.json()["workflow_id"]

    sessions: dict[str, str] = {}

    fresh = await submit(alice)
    suspended = await submit(alice, days_ago=15)
    warned = await submit(bob, days_ago=8)
    paid = await submit(bob)
    blocked = await submit(mallory, block=True)
    alerted = await submit(on_vpn, ip="198.51.100.7")  # a VPN range of the sample lists

    async def status_of(workflow_id: str):
        return await client.get_workflow_handle(workflow_id).query(ShareWorkflow.status)

    async def settled() -> bool:
        views = {wf: await status_of(wf) for wf in (fresh, suspended, warned, paid, alerted)}
        return all(v.status == "open" for v in views.values()) and (
            (await status_of(blocked)).status == "under_review"
            and views[suspended].enforcement_level == 3
            and views[warned].enforcement_level == 2
        )

    await eventually(settled, timeout=30)
    payment = PaymentSignal(
        provider="standard",
        transaction_id=f"txn-{run}",
        amount="150.00",
        currency="USDT",
        paid_at=datetime.now(UTC),
    )
    await record_payment(deps, paid.removeprefix("share/"), payment)
    await client.get_workflow_handle(paid).signal(ShareWorkflow.payment, payment)
    await eventually(lambda: _has_status(client, paid, "paid"), timeout=30)

    everyone = {fresh, suspended, warned, paid, blocked, alerted}
    expected = {
        f'UserId = "{alice}"': {fresh, suspended},
        'ShareStatus = "open"': {fresh, suspended, warned, alerted},
        'ShareStatus = "paid"': {paid},
        'ShareStatus = "under_review"': {blocked},
        'EnforcementLevel >= 3 AND ShareStatus = "open"': {suspended},
        "EnforcementLevel = 2": {warned},
        f'DueAt < "{datetime.now(UTC).isoformat()}"': {suspended, warned},
        'Exchange = "binance"': everyone,
        'RiskDecision = "block"': {blocked},
        'RiskDecision = "alert"': {alerted},
        'RiskDecision = "allow"': {fresh, suspended, warned, paid},
    }
    for query, ids in expected.items():
        scoped = f'TaskQueue = "{task_queue}" AND {query}'
        assert await eventually(lambda q=scoped, want=ids: _lists_exactly(client, q, want)), query

    # The UI's summary line, set when the API started the workflow: ids only, no amounts.
    description = await client.get_workflow_handle(suspended).describe()
    assert await description.static_summary() == (
        f"Share of session {sessions[suspended]} for user {alice}"
    )


async def _has_status(client, workflow_id: str, status: str) -> bool:
    view = await client.get_workflow_handle(workflow_id).query(ShareWorkflow.status)
    return view.status == status


async def _lists_exactly(client, query: str, want: set[str]) -> bool:
    found = {wf.id async for wf in client.list_workflows(query)}
    return found == want
