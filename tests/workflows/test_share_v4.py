"""ShareWorkflowV4, the type new shares start as: the exchange's verification and the FX quote
in one activity (one activity and one workflow task less per share), and a share that went
through review still quoted when it is recorded, as before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activities import contracts as c
from domain.models import ReviewDecision
from tests.support.driver import ShareDriver
from tests.support.history import activity_types, raw_history
from tests.support.scenario import profitable_session
from workers.worker import build_worker
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow
from workflows.share_types import CURRENT
from workflows.share_v4 import ShareWorkflowV4


@pytest.fixture
async def inr_driver(time_skipping_env, deps, wf_settings, emulator_url, task_queue):
    """Shares billed in INR: USDT profits converted at the dev table's 88.50."""
    billed_in_inr = wf_settings.model_copy(update={"billing_currency": "INR"})
    async with build_worker(time_skipping_env.client, deps, billed_in_inr):
        yield ShareDriver(time_skipping_env, deps, emulator_url, task_queue)


def test_new_shares_start_as_v4():
    assert CURRENT is ShareWorkflowV4


async def test_an_agreed_share_is_billed_at_the_rate_its_verification_quoted(inr_driver):
    event, handle, view = await inr_driver.open_share()
    assert (view.billing_currency, view.fx_rate) == ("INR", Decimal("88.50"))
    assert view.billed == Decimal("13275.00")  # 150.00 USDT at 88.50
    kinds = activity_types(await raw_history(inr_driver.env.client, handle.id))
    assert c.VERIFY_AND_QUOTE in kinds
    assert c.VERIFY_SESSION not in kinds and c.QUOTE_FX not in kinds
    assert kinds.index(c.VERIFY_AND_QUOTE) < kinds.index(c.RECORD_SHARE)


async def test_a_reviewed_share_is_quoted_when_it_is_recorded(inr_driver):
    driver = inr_driver
    event = await profitable_session(
        driver.deps, driver.emulator_url, profit=Decimal("400"), reported=Decimal("1000")
    )
    handle = await driver.env.client.start_workflow(
        ShareWorkflowV4.run,
        event,
        id=share_workflow_id(event.event_id),
        task_queue=driver.task_queue,
    )
    await driver.wait_status(handle, "under_review")
    await handle.signal(
        ShareWorkflow.review,
        ReviewDecision(decision="approve", verified_profit=Decimal("400.00"), note="checked"),
    )
    opened = await driver.wait_status(handle, "open")
    assert (opened.billing_currency, opened.billed) == ("INR", Decimal("5310.00"))  # 60 × 88.50
    kinds = activity_types(await raw_history(driver.env.client, handle.id))
    # The verification disagreed, so it quoted nothing; the rate is taken at the approval.
    assert kinds.index(c.VERIFY_AND_QUOTE) < kinds.index(c.QUOTE_FX) < kinds.index(c.RECORD_SHARE)


async def test_the_first_workflow_task_upserts_search_attributes_once(inr_driver):
    """The share's own attributes, once. The SDK adds one upsert of TemporalChangeVersion per
    patch marker (the LATER patches of workflows/patches.py), not counted here."""
    _, handle, _ = await inr_driver.open_share()
    history = await raw_history(inr_driver.env.client, handle.id)
    upserts, tasks = 0, 0
    for event in history.events:
        if event.HasField("workflow_task_completed_event_attributes"):
            tasks += 1
        elif event.HasField("upsert_workflow_search_attributes_event_attributes") and tasks == 1:
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
            upserts += set(fields.indexed_fields) != {"TemporalChangeVersion"}
    assert upserts == 1
