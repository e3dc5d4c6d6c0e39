"""Screening in the share workflow: a blocked score holds the share for review, never drops it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.risk.screening import RiskActivities
from db import audit
from db.alerts import OPS_ALERTS
from db.models import RiskDecisionRow, User
from domain.ladder import Level
from domain.models import ProfitEvent, ReviewDecision
from domain.risk import DEFAULT_FRAUD_SETTINGS, RiskRequest, RuleWeights
from services.risk.service import RiskService
from tests.support.audit import details
from tests.support.risk import (
    overdue_share,
    restore_default_fraud_settings,
    save_fraud_settings,
    uid,
)
from tests.support.scenario import (
    profit_event,
    register_account,
    round_trip,
    seed_emulator_account,
    store_event,
)
from workflows import search_attributes as sa
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


@pytest.fixture
async def defaults(deps):
    await restore_default_fraud_settings(deps)
    yield
    await restore_default_fraud_settings(deps)


async def debtor_on(deps, settings, device: str) -> str:
    """A user seen on `device` who owes a locked 300 USDT share."""
    debtor = uid("a")
    await RiskService.from_deps(deps, settings).assess(
        RiskRequest(user_id=debtor, action="signup", device_fingerprint=device)
    )
    await overdue_share(deps, debtor, amount_due=Decimal("300.00"), level=Level.LOCKED)
    return debtor


async def session_on(deps, emulator_url: str, device: str) -> ProfitEvent:
    """A profitable session (1,000 USDT, borne out by the exchange) claimed from `device`."""
    user = uid("b")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal(1000), start_ms=int(start.timestamp() * 1000))
    )
    account = await register_account(deps, user, key, secret)
    event = profit_event(
        user, account, start=start, reported=Decimal(1000), device_fingerprint=device
    )
    await store_event(deps, event)
    return event


async def start(driver, event: ProfitEvent):
    return await driver.env.client.start_workflow(
        ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=driver.task_queue
    )


async def test_a_claim_linked_to_a_debt_waits_for_review_and_is_still_owed(
    driver, wf_settings, defaults
):
    device = uid("fp")
    debtor = await debtor_on(driver.deps, wf_settings, device)
    event = await session_on(driver.deps, driver.emulator_url, device)
    handle = await start(driver, event)

    held = await driver.wait_status(handle, "under_review")
    assert held.review_reasons == ["risk_blocked"]
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.RISK_DECISION) == "block"
    async with driver.deps.sessions() as s:
        decision = await s.scalar(
            select(RiskDecisionRow).where(
                RiskDecisionRow.idempotency_key == f"screen:{event.event_id}"
            )
        )
    assert (decision.action, decision.decision, decision.linked_users) == (
        "profit_claim",
        "block",
        [debtor],
    )
    assert "linked_debt" in decision.rules

    # Held, not dropped: an admin approves and the share is billed as usual.
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="approve"))
    opened = await driver.wait_status(handle, "open")
    assert opened.share_amount == Decimal("150.00")


async def test_screening_twice_is_one_decision(driver, wf_settings, defaults):
    device = uid("fp")
    await debtor_on(driver.deps, wf_settings, device)
    event = await session_on(driver.deps, driver.emulator_url, device)
    screening = RiskActivities(RiskService.from_deps(driver.deps, wf_settings))
    first = await ActivityEnvironment().run(screening.screen_user, event)
    again = await ActivityEnvironment().run(screening.screen_user, event)
    assert first == again
    # The debtor's device is shared: a medium alert beside the debt that blocks.
    assert (first.decision, first.reasons) == ("block", ["device_shared", "linked_debt"])
    async with driver.deps.sessions() as s:
        count = await s.scalar(
            select(func.count()).where(
                RiskDecisionRow.idempotency_key == f"screen:{event.event_id}"
            )
        )
    assert count == 1


async def test_auto_suspend_blocks_the_user_and_alerts_ops(driver, wf_settings, defaults):
    await save_fraud_settings(
        driver.deps,
        DEFAULT_FRAUD_SETTINGS.model_copy(
            update={"auto_suspend_enabled": True, "weights": RuleWeights(linked_overdue_debt=90)}
        ),
    )
    device = uid("fp")
    await debtor_on(driver.deps, wf_settings, device)
    event = await session_on(driver.deps, driver.emulator_url, device)
    handle = await start(driver, event)

    held = await driver.wait_status(handle, "under_review")
    assert held.review_reasons == ["risk_blocked"]
    assert (await driver.standing(event.user_id))["can_trade"] is False
    async with driver.deps.sessions() as s:
        assert (await s.get(User, event.user_id)).blocked is True
        blocks = await audit.entries_for(s, f"user/{event.user_id}")
        alerts = await audit.entries_for(s, OPS_ALERTS)
    assert [(e.action, e.actor) for e in blocks] == [("user.blocked", "system:risk")]
    reasons = [await details(driver.deps, e) for e in alerts]
    assert any(
        r.get("user") == event.user_id and r["reason"].startswith("user auto-suspended")
        for r in reasons
    )
