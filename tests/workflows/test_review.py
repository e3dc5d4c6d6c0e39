"""Sessions the exchange does not bear out wait for an admin and bill nothing until then."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio.client import WorkflowHandle

from db.shares import load_view
from domain.models import ProfitEvent, ReviewDecision, ShareView
from tests.support.driver import ShareDriver
from tests.support.scenario import eventually, profitable_session
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow

METHODS = ("fifo", "average_cost", "cash_flow")
BEFORE_REVIEW = ["share.received", "share.screening", "share.verifying", "share.under_review"]


async def held_for_review(
    driver: ShareDriver, **session
) -> tuple[ProfitEvent, WorkflowHandle, ShareView]:
    """Starts a share whose session the exchange contradicts; returns once it is under review."""
    event = await profitable_session(driver.deps, driver.emulator_url, **session)
    handle = await driver.env.client.start_workflow(
        ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=driver.task_queue
    )
    view = await driver.wait_status(handle, "under_review")
    # The workflow's status flips before its SET_STATUS activity commits: wait for the row too.
    await eventually(lambda: db_status_is(driver, event.event_id, "under_review"))
    return event, handle, view


async def db_view(driver: ShareDriver, event_id: str) -> ShareView:
    async with driver.deps.sessions() as s:
        return await load_view(s, driver.deps.cipher, event_id)


async def db_status_is(driver: ShareDriver, event_id: str, status: str) -> bool:
    return (await db_view(driver, event_id)).status == status


async def test_overstated_profit_waits_for_review_then_approval_opens_the_share(driver):
    event, handle, view = await held_for_review(
        driver, profit=Decimal("400"), reported=Decimal("1000")
    )
    assert view.review_reasons == ["reported_profit_mismatch"]
    assert view.verified_profit == Decimal("400.00")
    assert view.verification["methods"] == dict.fromkeys(METHODS, "400.00")
    stored = await db_view(driver, event.event_id)
    assert stored.status == "under_review" and stored.review_reasons == view.review_reasons
    assert stored.verification["methods"] == dict.fromkeys(METHODS, "400.00")
    # Nothing is billed while the share waits.
    row = await driver.share_row(event.event_id)
    assert row.share_amount_enc is None and row.billed_amount_enc is None
    assert row.payment_reference is None and row.due_at is None

    # Ten days on, past the day-1 reminder and the day-7 warning of an open share: no stage.
    await driver.env.sleep(timedelta(days=10))
    assert (await handle.query(ShareWorkflow.status)).status == "under_review"
    row = await driver.share_row(event.event_id)
    assert (row.status, row.level) == ("under_review", 0)
    assert await driver.audit_actions(event.event_id) == BEFORE_REVIEW
    assert (await driver.standing(event.user_id))["level"] == 0

    await handle.signal(
        ShareWorkflow.review,
        ReviewDecision(decision="approve", verified_profit=Decimal("400.00"), note="checked"),
    )
    opened = await driver.wait_status(handle, "open")
    assert opened.share_amount == Decimal("60.00") and opened.billed == Decimal("60.00")
    # Inside the early window what is due is the discounted amount, as the Share says.
    assert (opened.amount_due, opened.discount_granted) == (Decimal("57.00"), Decimal("3.00"))
    assert opened.enforcement_level == 0 and opened.payment_reference
    # Day 0 is the approval, not the session: the ladder has not started yet.
    assert opened.created_at >= await driver.env.get_current_time() - timedelta(minutes=1)
    row = await driver.share_row(event.event_id)
    assert (row.status, row.level) == ("open", 0)
    assert row.payment_reference == opened.payment_reference
    assert await driver.audit_actions(event.event_id) == [*BEFORE_REVIEW, "share.recorded"]


async def test_rejected_review_closes_the_share_unbilled(driver):
    event, handle, _ = await held_for_review(
        driver, profit=Decimal("400"), reported=Decimal("1000")
    )
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="reject", note="fabricated"))
    result = await handle.result()
    assert result.status == "rejected" and result.share_amount is None
    row = await driver.share_row(event.event_id)
    assert row.status == "rejected" and row.payment_reference is None
    assert row.share_amount_enc is None and row.level == 0
    assert await driver.audit_actions(event.event_id) == [*BEFORE_REVIEW, "share.rejected"]


async def test_confirmed_fraud_costs_25_trust_once(driver):
    event, handle, _ = await held_for_review(
        driver, profit=Decimal("400"), reported=Decimal("1000")
    )
    decision = ReviewDecision(decision="reject", note="faked fills", confirmed_fraud=True)
    await handle.signal(ShareWorkflow.review, decision)
    assert (await handle.result()).status == "rejected"
    assert (await driver.standing(event.user_id))["trust"] == 25
    assert await driver.audit_actions(f"user/{event.user_id}") == ["trust.changed"]


async def test_a_second_decision_is_ignored(driver):
    event, handle, _ = await held_for_review(
        driver, profit=Decimal("400"), reported=Decimal("1000")
    )
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="reject"))
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="approve"))
    assert (await handle.result()).status == "rejected"


async def test_loss_session_is_no_share_and_the_loss_is_recorded(driver):
    event = await profitable_session(
        driver.deps, driver.emulator_url, profit=Decimal("-200"), reported=Decimal("-200")
    )
    handle = await driver.env.client.start_workflow(
        ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=driver.task_queue
    )
    result = await handle.result()
    assert result.status == "no_share" and result.share_amount is None
    stored = await db_view(driver, event.event_id)
    assert stored.status == "no_share"
    assert stored.verified_profit == Decimal("-200.00")
    assert stored.verification["methods"] == dict.fromkeys(METHODS, "-200.00")
    assert stored.payment_reference is None and stored.review_reasons == []
